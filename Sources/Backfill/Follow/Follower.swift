import Daemon
import Foundation
import Kafka
import Logging
import Postgres
import Store

/// `backfill follow`: the pipeline in a loop — whatever arrived is planned, ingested,
/// materialized and checkpointed as one run, a batch at a time, with the locks and connections
/// kept between batches.
///
/// A batch is exactly the records the `TailReader` handed out since the last one: its ranges
/// run from the previous batch's ends to the reader's positions, its run row records them, and
/// its manifest is written like any run's, so `run --after` can take over from a follower and a
/// follower from a run. A batch is one run of the state schema, so a follower killed anywhere
/// resumes exactly: at start-up the newest unfinished run is finished first (read again from
/// Kafka), and the follower goes on from where the newest complete run ended.
///
/// PostgreSQL going away during a batch is waited out (`Retry`): the batch is applied again on a
/// new session, which resumes its run. The broker going away shows as nothing arriving; a probe
/// of the topic while idle tells whether it answers.
public struct Follower: Sendable {
    let kafka: KafkaConfiguration
    let postgres: PostgresConfiguration
    let options: FollowOptions
    let logger: Logger
    let status: DaemonStatus
    /// Connection attempts each time a session opens (0.5 s doubling to 8 s between them).
    public var connectAttempts = 3
    /// Told where the follower starts, then the ends (exclusive) of each batch once it is
    /// committed: how a live verifier learns what the target holds, without the follower knowing it.
    public var onApplied: (@Sendable (_ ends: [Int32: Int64]) -> Void)?

    public init(kafka: KafkaConfiguration, postgres: PostgresConfiguration, options: FollowOptions, logger: Logger, status: DaemonStatus) {
        self.kafka = kafka
        self.postgres = postgres
        self.options = options
        self.logger = logger
        self.status = status
    }

    /// Follows until `stop` is asked for (returns) or an error no wait can mend (throws).
    public func run(stop: StopToken) throws {
        let connector = Connector(postgres: postgres, attempts: connectAttempts, logger: logger)
        let database = Retry(component: "postgresql")
        var session = try database.run("opening the state schema", status: status, stop: stop, logger: logger,
                                       isTransient: Self.isTransient) { try openSession(connector) }
        defer { session.close() }
        try finishUnfinishedRun(session)
        let admin = try KafkaAdmin(configuration: kafka)
        var checkpoint = try startingPoint(session, admin: admin)
        let tail = try TailReader(configuration: kafka, topic: options.run.topic, start: checkpoint)
        stop.onStop { tail.wake() }
        logger.info("following", metadata: [
            "topic": "\(options.run.topic)", "target_schema": "\(options.run.target.name)", "group": "\(options.group)",
            "partitions": "\(checkpoint.count)",
        ])
        let metrics = FollowMetrics(status)
        onApplied?(checkpoint)
        var committer = GroupCommitter(admin: admin, group: options.group, topic: options.run.topic, interval: options.commitInterval, logger: logger)
        var housekeeping = Housekeeping(options: options)
        var newest: [Int32: Int64] = [:]
        var lastLook = ContinuousClock.now - .seconds(3600)

        while !stop.isStopRequested {
            let records = try tail.poll(maxRecords: options.maxBatchRecords, maxWait: options.idleWait, linger: options.minInterval)
            if records.isEmpty {
                if ContinuousClock.now - lastLook >= .seconds(5) {
                    lastLook = ContinuousClock.now
                    try lookAtTopic(admin: admin, tail: tail, checkpoint: &checkpoint)
                    metrics.lag(positions: tail.positions, highWatermarks: tail.cachedHighWatermarks(), newest: newest, now: Date())
                }
                if !stop.isStopRequested { status.idleSucceeded() }  // idle is healthy
                continue
            }
            let started = ContinuousClock.now
            let ends = tail.positions
            let plan = Self.plan(topic: options.run.topic, from: checkpoint, to: ends)
            // A batch interrupted by an outage is applied again on a new session: it resumes its run.
            let manifest = try database.run("applying a batch", status: status, stop: stop, logger: logger, isTransient: Self.isTransient) {
                do {
                    return try session.execute(plan, records: records)
                } catch let error where Self.isTransient(error) {
                    status.batchFailed()
                    session.close()
                    session = try openSession(connector)
                    throw error
                }
            }
            checkpoint = ends
            onApplied?(ends)
            for record in records { if let t = record.timestamp { newest[record.partition] = max(newest[record.partition] ?? t, t) } }
            status.batchSucceeded(duration: ContinuousClock.now - started)
            metrics.applied(manifest, records: records, committed: Date())
            metrics.lag(positions: ends, highWatermarks: tail.cachedHighWatermarks(), newest: newest, now: Date())
            logger.debug("batch applied", metadata: [
                "run_id": "\(manifest.runID)", "records": "\(records.count)", "subjects": "\(manifest.counts.subjectsRefolded)",
                "ms": "\((ContinuousClock.now - started).components.seconds * 1000 + (ContinuousClock.now - started).components.attoseconds / 1_000_000_000_000_000)",
            ])
            committer.offer(checkpoint, status: status)
            housekeeping.afterBatch(session: session, logger: logger)
        }
        committer.commitNow(checkpoint, status: status)
        logger.info("stopped", metadata: ["reason": "\(stop.reason ?? "stop")", "group": "\(options.group)"])
    }

    private func openSession(_ connector: Connector) throws -> RunSession {
        try RunSession(kafka: kafka, connector: connector, options: options.run, logger: logger, job: "backfill follow")
    }

    /// A batch of the ranges `[from, to)` per partition.
    static func plan(topic: String, from start: [Int32: Int64], to ends: [Int32: Int64]) -> RunPlan {
        let ranges = ends.keys.sorted().map { OffsetRange(partition: $0, start: start[$0] ?? ends[$0]!, end: ends[$0]!) }
        let checkpoint = Checkpoint(source: "follow", topic: topic, runID: nil, ends: start)
        return RunPlan(topic: topic, bounds: RunBounds(start: .checkpoint(checkpoint), end: .offsets(ends)), ranges: ranges,
                       watermarks: [:], notes: [:])
    }

    /// A run killed before it completed (a follower or a run): finished first, reading its ranges
    /// again, so nothing it logged is left dirty and the follower starts where it ended.
    private func finishUnfinishedRun(_ session: RunSession) throws {
        guard let unfinished = try RunLedger(state: options.run.state).newestUnfinished(db: session.db) else { return }
        let ranges = unfinished.plan.offsetRanges
        logger.info("finishing an unfinished run first", metadata: ["run_id": "\(unfinished.runID)", "records": "\(ranges.reduce(0) { $0 + $1.count })"])
        let plan = RunPlan(topic: options.run.topic,
                           bounds: RunBounds(start: .checkpoint(Checkpoint(source: "run \(unfinished.runID)", topic: options.run.topic, runID: nil,
                                                                           ends: Dictionary(uniqueKeysWithValues: ranges.map { ($0.partition, $0.start) }))),
                                             end: .offsets(Dictionary(uniqueKeysWithValues: ranges.map { ($0.partition, $0.end) }))),
                           ranges: ranges, watermarks: [:], notes: [:])
        _ = try session.execute(plan)
    }

    /// Where following starts, per partition, checked against the topic (`RunPlanner`: a start
    /// outside a partition is an error, a partition the checkpoint does not know starts at its
    /// low watermark).
    private func startingPoint(_ session: RunSession, admin: KafkaAdmin) throws -> [Int32: Int64] {
        var bounds = options.run.bounds
        if options.startsWhereStateEnded {
            guard let complete = try RunLedger(state: options.run.state).newestComplete(db: session.db) else {
                throw BackfillError(.state, "state schema \(options.run.state.name) has no complete run to follow on from; start with --from-beginning, --since or --after MANIFEST|SNAPSHOT")
            }
            let ends = Dictionary(complete.plan.offsetRanges.map { ($0.partition, $0.end) }, uniquingKeysWith: max)
            bounds = RunBounds(start: .checkpoint(Checkpoint(source: "run \(complete.runID)", topic: complete.plan.topic, runID: complete.runID, ends: ends)),
                               end: .latest)
        }
        let plan = try RunPlanner(admin: admin).plan(topic: options.run.topic, bounds: RunBounds(start: bounds.start, end: .latest))
        return Dictionary(uniqueKeysWithValues: plan.ranges.map { ($0.partition, $0.start) })
    }

    /// While idle: whether the broker answers (health), and partitions added to the topic.
    private func lookAtTopic(admin: KafkaAdmin, tail: TailReader, checkpoint: inout [Int32: Int64]) throws {
        do {
            let partitions = try admin.partitions(topic: options.run.topic, timeout: .seconds(3))
            status.markUp("kafka")
            for partition in partitions where checkpoint[partition] == nil {
                let low = try admin.watermarks(topic: options.run.topic, partition: partition, timeout: .seconds(3)).low
                try tail.add(partition: partition, at: low)
                checkpoint[partition] = low
                logger.info("a partition was added to the topic; following it from its start", metadata: ["partition": "\(partition)", "offset": "\(low)"])
            }
        } catch let error as KafkaError where error.code.kind != .topicNotFound {
            status.markDown("kafka", reason: "\(error)")
            logger.warning("Kafka does not answer; waiting for it", metadata: ["error": "\(error)"])
        }
    }

    /// Errors an outage explains, worth a new session and another try: the connection broke or
    /// was refused, the server is shutting down or the locks' session ended
    /// (`PostgresError.isConnectionError`), or the batch lost a serialization or deadlock race.
    static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? PostgresError else { return false }
        return error.isConnectionError || ["40001", "40P01"].contains(error.sqlState ?? "")
    }
}
