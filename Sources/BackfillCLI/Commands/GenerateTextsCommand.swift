import ArgumentParser
import Embeddings
import Foundation
import Kafka

struct GenerateTextsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-texts",
        abstract: "Produce deterministic text messages ({\"id\", \"text\"}) for the embedding demo and benchmark.",
        discussion: """
        The same --seed gives the same messages. With --ids below --messages, later messages \
        reuse ids with new texts (edits). --stdout prints the JSON values one per line instead \
        of producing them (to feed the service directly in a benchmark).

        Example:
          backfill generate-texts --messages 10000 --partitions 4 --recreate-topic
        """
    )

    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("brokers"), help: ArgumentHelp("Kafka bootstrap servers. Default: $KAFKA_BROKERS.", valueName: "host:port,…"))
    var brokers: String?
    @Option(help: "The topic to produce to.") var topic = "text-messages"
    @Option(help: "Messages to produce.") var messages = 10_000
    @Option(help: "Distinct ids (default: one per message).") var ids: Int?
    @Option(help: "Partitions when the topic has to be created.") var partitions: Int32 = 4
    @Option(help: "Seed: the same seed gives the same messages.") var seed: UInt64 = 1
    @Flag(help: "Delete the topic and everything in it first.") var recreateTopic = false
    @Flag(help: "Print the values, one per line, instead of producing them.") var stdout = false
    @Option(help: ArgumentHelp("Produce at this many messages per second (message k is due k/rate seconds after the start), for a follower's freshness benchmark; --json then gives the start as started_at_ms.", valueName: "per-second"))
    var rate: Double?

    func validate() throws {
        guard messages >= 0, partitions > 0, (ids ?? 1) > 0 else { throw ValidationError("--messages, --partitions and --ids must be positive") }
        if let rate { guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be a positive number of messages per second") } }
    }

    func run() throws {
        let texts = SampleTexts(count: messages, ids: ids, seed: seed)
        if stdout {
            var lines = ""
            for message in texts { lines += message.value + "\n" }
            FileHandle.standardOutput.write(Data(lines.utf8))
            return
        }
        do {
            let configuration = try KafkaOptions.configuration(brokers: brokers)
            let admin = try KafkaAdmin(configuration: configuration)
            if recreateTopic, try admin.topicExists(topic) { try admin.deleteTopic(topic) }
            if try !admin.topicExists(topic) {
                try admin.createTopic(topic, partitions: partitions, config: ["retention.ms": "-1"])
            }
            let count = Int32(try admin.partitions(topic: topic).count)
            // Paced: sent as each falls due, so linger must not hold them back.
            let producer = try KafkaProducer(configuration: configuration, extra: ["linger.ms": rate == nil ? "20" : "1", "compression.type": "zstd"])
            var produced = 0
            let started = Date()
            for message in texts {
                if let rate {
                    let due = started.addingTimeInterval(Double(produced) / rate)
                    if due > Date() { Thread.sleep(until: due) }
                }
                // Same id, same partition: the newest record of an id is the one at the higher offset.
                var hash: UInt32 = 2_166_136_261
                for byte in message.id.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
                try producer.send(topic: topic, partition: Int32(hash % UInt32(count)), key: Array(message.id.utf8), value: Array(message.value.utf8))
                produced += 1
            }
            try producer.flush()
            if output.json {
                var object: [String: Any] = ["topic": topic, "messages": produced, "seed": seed]
                if let rate {
                    object["rate"] = rate
                    object["started_at_ms"] = Int64(started.timeIntervalSince1970 * 1_000)
                }
                printJSON(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
            } else {
                print("produced \(produced) text messages to \(topic) (\(count) partitions, seed \(seed))")
            }
        } catch {
            throw fail(error)
        }
    }
}
