// `scripts/bench-follow.sh` runs this once a history is rebuilt into PostgreSQL: it deletes the
// history's records from the local broker (Kafka's DeleteRecords, as retention would), so the
// test broker — which rewrites its whole data file after every write — does not spend a core
// rewriting millions of records while the follower's small batches are being measured. The
// follower only reads what is produced afterwards. Usage: TopicTrim BROKERS TOPIC
import Foundation
import Kafka

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: TopicTrim BROKERS TOPIC\n".utf8))
    exit(2)
}
do {
    let admin = try KafkaAdmin(configuration: try KafkaConfiguration(brokers: arguments[1]))
    let topic = arguments[2]
    var ends: [Int32: Int64] = [:]
    for partition in try admin.partitions(topic: topic) { ends[partition] = try admin.watermarks(topic: topic, partition: partition).high }
    try admin.deleteRecords(topic: topic, before: ends)
    print("deleted the records of \(topic) before \(ends.values.reduce(0, +)) offsets in \(ends.count) partitions")
} catch {
    FileHandle.standardError.write(Data("TopicTrim: \(error)\n".utf8))
    exit(2)
}
