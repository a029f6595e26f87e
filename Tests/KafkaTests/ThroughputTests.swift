import Foundation
import Kafka
import TestSupport
import Testing

@Suite("Reading a large topic from noida-db", .tags(.integration))
struct ThroughputTests {
    /// KAFKA_THROUGHPUT_RECORDS (default 200 000) records of ~300 bytes over 4 partitions: enough
    /// for many fetches per partition, several batches and compressed record batches. How fast
    /// this goes is measured by scripts/bench-backfill.sh (the whole run against a raw COPY), not
    /// asserted here: a shared machine makes any rate bound fail for reasons of its own.
    @Test("a few hundred thousand 300-byte records produced with zstd come back, each exactly once, in offset order")
    func largeRead() throws {
        let total = Int(ProcessInfo.processInfo.environment["KAFKA_THROUGHPUT_RECORDS"] ?? "") ?? 200_000
        let configuration = try Fixtures.configuration()
        let admin = try KafkaAdmin(configuration: configuration)
        let topic = try Fixtures.freshTopic("rr_throughput", partitions: 4, admin: admin)
        defer { try? admin.deleteTopic(topic, timeout: .seconds(60)) }

        let producer = try KafkaProducer(configuration: configuration, extra: ["compression.type": "zstd"])
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 260)
        for index in 0..<total {
            var value = payload
            withUnsafeBytes(of: index) { value.replaceSubrange(0..<8, with: $0) }
            try producer.send(
                topic: topic, partition: Int32(index % 4), key: Array("key-\(index)".utf8), value: value,
                headers: [KafkaHeader(name: "event-type", string: "bench")], timestamp: Fixtures.baseTimestamp + Int64(index))
        }
        try producer.flush(timeout: .seconds(120))

        var ranges: [OffsetRange] = []
        for partition in Int32(0)..<4 {
            ranges.append(try admin.watermarks(topic: topic, partition: partition).range(partition: partition))
        }
        #expect(ranges.map(\.count).reduce(0, +) == Int64(total))

        let reader = try RangeReader(configuration: configuration)
        var count = 0
        var misplaced = 0
        var nextOffset: [Int32: Int64] = [:]
        try reader.read(topic: topic, ranges: ranges) { batch in
            count += batch.count
            for record in batch {
                // Record i went to partition i % 4 as that partition's (i / 4)th record.
                let index = record.value.map { value in value.withUnsafeBytes { $0.loadUnaligned(as: Int.self) } } ?? -1
                let start = ranges[Int(record.partition)].start
                if record.offset != nextOffset[record.partition, default: start] || index % 4 != Int(record.partition)
                    || Int64(index / 4) != record.offset - start || record.value?.count != payload.count {
                    misplaced += 1
                }
                nextOffset[record.partition] = record.offset + 1
            }
        }
        #expect(count == total)
        #expect(misplaced == 0)
    }
}
