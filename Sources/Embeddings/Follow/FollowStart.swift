import Kafka
import Logging
import Store

/// Where a follow session starts reading, per partition: the table's checkpoint when it has
/// one (always — the rows and it were committed together); otherwise the start asked for
/// (`--from-beginning`, `--since`, `--after`); otherwise where the consumer group left off (the
/// streaming job's group, when the seed's KAFKA_GROUP_ID names it); otherwise an error.
/// Partitions the checkpoint does not know start at their first retained record.
struct FollowStart {
    let admin: KafkaAdmin
    let topic: String
    let group: String

    init(kafka: KafkaConfiguration, topic: String, group: String) throws {
        admin = try KafkaAdmin(configuration: kafka)
        self.topic = topic
        self.group = group
    }

    func positions(checkpoint: Checkpoint?, table: EmbeddingTable, requested: RunBounds.Start?, logger: Logger) throws -> [Int32: Int64] {
        let planner = RunPlanner(admin: admin)
        let plan: RunPlan
        if let checkpoint {
            do {
                plan = try planner.plan(topic: topic, bounds: RunBounds(start: .checkpoint(checkpoint), end: .latest))
            } catch let error as StoreError where error.code == .checkpointOutOfRange {
                throw StoreError(error.code, error.message.replacingOccurrences(of: RunPlanner.wayOut, with: Self.wayOut))
            }
            logger.info("resuming from the checkpoint", metadata: ["checkpoint": "\(checkpoint.source)", "records_behind": "\(plan.totalRecords)"])
            if requested != nil {
                logger.info("the start given applies only when there is no checkpoint; --reset-checkpoint forgets it")
            }
        } else if let requested {
            plan = try planner.plan(topic: topic, bounds: RunBounds(start: requested, end: .latest))
            logger.info("no checkpoint yet; starting where asked", metadata: ["records_behind": "\(plan.totalRecords)"])
        } else {
            let partitions = try admin.partitions(topic: topic)
            let ends = try admin.committedOffsets(group: group, topic: topic, partitions: partitions).compactMapValues { $0 }
            guard !ends.isEmpty else {
                throw EmbeddingsError(.configuration, "\(table.schema).\(table.progressName) has no checkpoint for \(topic) and consumer group \(group) has committed nothing there, so where to start is not known; start with --from-beginning (embed the history too), --since INSTANT or --after MANIFEST (for example the last `backfill embed` manifest)")
            }
            plan = try planner.plan(topic: topic, bounds: RunBounds(start: .checkpoint(Checkpoint(source: "consumer group \(group)", topic: topic, runID: nil, ends: ends)), end: .latest))
            logger.info("no checkpoint yet; starting where consumer group \(group) left off", metadata: ["records_behind": "\(plan.totalRecords)"])
        }
        for (partition, note) in plan.notes.sorted(by: { $0.key < $1.key }) {
            logger.debug("start of partition \(partition): \(note)")
        }
        return Dictionary(uniqueKeysWithValues: plan.ranges.map { ($0.partition, $0.start) })
    }

    /// What to do when the checkpoint no longer fits the topic.
    static let wayOut = "Nothing was read. Start the follower once with --reset-checkpoint and --from-beginning (rows already current are skipped) or --since INSTANT"
}
