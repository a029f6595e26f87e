import ArgumentParser
import Foundation
import Kafka
import Lifestream

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Produce a realistic, deterministic lifestream event stream to a topic (demo and benchmark data).",
        discussion: """
        The stream has the damage history replays have: events arriving out of event order, \
        partial events before their creating event, subjects whose creator never comes, \
        duplicates (some with a different payload), events at equal instants, and invalid \
        records of every quarantine reason. The same --seed gives byte-identical records. \
        The topic is created when missing (retention.ms=-1, so old timestamps are kept).

        Example:
          backfill generate --events 1000000 --subjects 100000 \\
              --partitions 16 --seed 7
        """
    )

    /// Room for the deliberately oversized (> 1 MiB) invalid records.
    static let maximumRecordBytes = 4 << 20

    @OptionGroup var config: ConfigOptions
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Records to produce (including duplicates and invalid records).") var events = 10_000
    @Option(help: "Distinct subjects.") var subjects = 1_000
    @Option(help: "Partitions when the topic has to be created.") var partitions: Int32 = 4
    @Option(help: "Seed: the same seed gives the same records.") var seed: UInt64 = 1
    @Option(help: "Seed for a different arrival order of the same events.") var arrivalSeed: UInt64?
    @Option(help: "Share of events arriving after a later event of their subject.") var outOfOrderRate = 0.05
    @Option(help: "Share of subjects whose first arriving event is not the creating one.") var partialBeforeCreateRate = 0.02
    @Option(help: "Share of subjects whose creating event never arrives.") var missingCreatorRate = 0.01
    @Option(help: "Share of events sent twice.") var duplicateRate = 0.01
    @Option(help: "Share of duplicates that carry a different payload.") var duplicateWithDifferentPayloadRate = 0.3
    @Option(help: "Share of events sharing an instant with another event of the subject.") var equalInstantRate = 0.01
    @Option(help: "Share of invalid records (cycling through every quarantine reason).") var invalidRate = 0.005
    @Option(help: ArgumentHelp("First event time (RFC 3339).", valueName: "instant")) var start = "2026-01-01T00:00:00Z"
    @Flag(help: "Delete the topic and everything in it first (demos start over with this).") var recreateTopic = false
    @Option(help: ArgumentHelp("Produce at this many records a second, each stamped with the moment it is sent (a live stream for `backfill follow`); default: as fast as possible, stamped with the generated ingest time.", valueName: "records/s"))
    var rate: Double?

    func validate() throws {
        guard events >= 0, subjects > 0, partitions > 0 else { throw ValidationError("--events, --subjects and --partitions must be positive") }
        for (name, rate) in [("out-of-order", outOfOrderRate), ("partial-before-create", partialBeforeCreateRate),
                             ("missing-creator", missingCreatorRate), ("duplicate", duplicateRate),
                             ("duplicate-with-different-payload", duplicateWithDifferentPayloadRate),
                             ("equal-instant", equalInstantRate), ("invalid", invalidRate)] where !(0...1).contains(rate) {
            throw ValidationError("--\(name)-rate must be between 0 and 1")
        }
        guard Timestamp(rfc3339: start) != nil else { throw ValidationError("--start must be an RFC 3339 instant") }
        if let rate, !(rate > 0 && rate.isFinite) { throw ValidationError("--rate must be a positive number of records a second") }
    }

    var generatorOptions: GeneratorOptions {
        var o = GeneratorOptions()
        o.events = events
        o.subjects = subjects
        o.partitions = partitions
        o.seed = seed
        o.arrivalSeed = arrivalSeed
        o.outOfOrderRate = outOfOrderRate
        o.partialBeforeCreateRate = partialBeforeCreateRate
        o.missingCreatorRate = missingCreatorRate
        o.duplicateRate = duplicateRate
        o.duplicateWithDifferentPayloadRate = duplicateWithDifferentPayloadRate
        o.equalInstantRate = equalInstantRate
        o.invalidRate = invalidRate
        o.startTime = Timestamp(rfc3339: start)!.microseconds / 1000
        o.topic = kafka.topic
        return o
    }

    func run() throws {
        let logger = output.makeLogger("generate")
        let progress = output.makeProgress(logger)
        do {
            let configuration = try kafka.configuration()
            let admin = try KafkaAdmin(configuration: configuration)
            var topicPartitions = partitions
            if recreateTopic, try admin.topicExists(kafka.topic) {
                try admin.deleteTopic(kafka.topic)
                logger.info("deleted topic", metadata: ["topic": "\(kafka.topic)"])
            }
            if try admin.topicExists(kafka.topic) {
                topicPartitions = Int32(try admin.partitions(topic: kafka.topic).count)
                if topicPartitions != partitions {
                    logger.warning("topic exists with another partition count; records go to partition (hash mod \(topicPartitions))",
                                   metadata: ["topic": "\(kafka.topic)", "partitions": "\(topicPartitions)"])
                }
            } else {
                try admin.createTopic(kafka.topic, partitions: partitions, config: ["retention.ms": "-1", "max.message.bytes": "\(GenerateCommand.maximumRecordBytes)"])
            }
            let producer = try KafkaProducer(configuration: configuration, extra: [
                "compression.type": "zstd", "linger.ms": rate == nil ? "20" : "2", "message.max.bytes": "\(GenerateCommand.maximumRecordBytes)",
            ])
            let began = ContinuousClock.now
            var produced: Int64 = 0
            progress.begin("generate")
            var invalid: [String: Int] = [:]
            for record in EventGenerator(options: generatorOptions) {
                let partition = topicPartitions == partitions ? record.partition : record.partition % topicPartitions
                var timestamp = record.timestamp
                if let rate {
                    // Paced: record n leaves at n/rate seconds, stamped with the moment it leaves.
                    let due = began + .milliseconds(Int64(Double(produced) / rate * 1000))
                    let wait = due - ContinuousClock.now
                    if wait > .zero { Thread.sleep(forTimeInterval: Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18) }
                    timestamp = Int64((Date().timeIntervalSince1970 * 1000).rounded())
                }
                try producer.send(topic: kafka.topic, partition: partition, key: record.key, value: record.value, timestamp: timestamp)
                if let reason = record.quarantineReason { invalid[reason, default: 0] += 1 }
                produced += 1
                if produced % 10_000 == 0 { progress.update("generate", done: produced, total: Int64(events), unit: "records") }
            }
            try producer.flush()
            progress.update("generate", done: produced, total: Int64(events), unit: "records")
            progress.finish()
            if output.json {
                let object: [String: Any] = ["topic": kafka.topic, "records": produced, "invalid": invalid, "seed": seed]
                printJSON(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]))
            } else {
                print("produced \(produced) records to \(kafka.topic) (\(topicPartitions) partitions, seed \(seed)); \(invalid.values.reduce(0, +)) invalid on purpose")
            }
        } catch {
            progress.finish()
            throw fail(error)
        }
    }
}
