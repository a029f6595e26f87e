import Daemon
import Foundation
import Kafka
import Logging
import Postgres
import Store

/// `backfill embed --follow`: keeps the embeddings table current with the topic, a micro-batch
/// at a time, for as long as it runs — with `embed`'s guarantees (newest text per id wins, rows
/// already current are skipped, bad records quarantined with a reason, a model or dimension
/// change stops it) and a follower's: it waits out the embedding service, PostgreSQL and the
/// broker, resumes exactly after a SIGKILL, and stops after the batches in flight on SIGTERM.
///
/// Runs on the daemon's loop thread (`DaemonRunner`): startup (the service's model and
/// dimension, waited for), then sessions (`FollowSession`). A session that loses PostgreSQL or
/// the broker ends; the next one starts from the checkpoint in `<table>_progress` once they
/// answer again, with backoff, and what was read but not committed is read again.
public final class EmbedFollower: Sendable {
    static let serviceComponent = "embedding service"
    static let postgresComponent = "postgresql"
    static let kafkaComponent = "kafka"

    let kafka: KafkaConfiguration
    let postgres: PostgresConfiguration
    let source: any EmbeddingSource
    let status: DaemonStatus
    let logger: Logger

    public init(kafka: KafkaConfiguration, postgres: PostgresConfiguration, source: any EmbeddingSource, status: DaemonStatus, logger: Logger) {
        self.kafka = kafka
        self.postgres = postgres
        self.source = source
        self.status = status
        self.logger = logger
    }

    /// The metric prefix of the embedding follower's `DaemonStatus`.
    public static let metricPrefix = FollowMetrics.prefix

    /// Follows until `stop` (returns) or an error no wait can cure (throws).
    public func run(_ options: FollowOptions, stop: StopToken) throws {
        try options.table.checkNames()
        let metrics = FollowMetrics(status: status)
        let timed = TimedSource(base: source, latency: metrics.serviceLatency)
        let health = try Retry(component: Self.serviceComponent, policy: options.serviceBackoff).run(
            "asking the embedding service at \(source.displayName) for its model", status: status, stop: stop, logger: logger,
            isTransient: { ($0 as? EmbeddingsError)?.code == .service }) { try timed.health().get() }
        try EmbedRunner.checkExpected(options.expectedDimension, health, source: source)
        logger.info("embedding service ready", metadata: ["service": "\(source.displayName)", "model": "\(health.model)", "dimension": "\(health.dimension)"])

        let progress = FollowProgress()
        let context = FollowContext(kafka: kafka, postgres: postgres, source: timed, health: health, options: options, metrics: metrics,
                                    progress: progress, stop: stop, logger: logger)
        let monitor = FollowMonitor(kafka: kafka, topic: options.topic, group: options.effectiveGroup, progress: progress,
                                    metrics: metrics, interval: options.monitorInterval, logger: logger)
        defer { monitor.finish() }
        var first = true
        while true {
            let session: FollowSession
            do {
                session = try open(context, first: first)
            } catch let error where Self.component(of: error) != nil {
                // PostgreSQL went away between the steps of opening: start again, waiting as usual.
                logger.warning("lost \(Self.component(of: error)!) while starting; trying again", metadata: ["error": "\(error)"])
                continue
            }
            first = false
            monitor.start()
            defer { session.close() }
            do {
                try session.run()
                logger.notice("stopped after the batches in flight", metadata: ["reason": "\(stop.reason ?? "stop")"])
                return
            } catch let error where Self.component(of: error) != nil {
                let component = Self.component(of: error)!
                progress.sessionEnded()
                status.batchFailed()
                status.markDown(component, reason: "\(error)")
                logger.warning("lost \(component); waiting for it, then resuming from the last checkpoint", metadata: ["error": "\(error)"])
            }
        }
    }

    // MARK: Opening a session

    /// The lock, the connections, the table, the start, the reader — each waited for while
    /// PostgreSQL or the broker does not answer.
    private func open(_ context: FollowContext, first: Bool) throws -> FollowSession {
        let options = context.options
        let table = options.table
        let postgresRetry = Retry(component: Self.postgresComponent, policy: options.backoff)
        let (lease, db, committerDB, checkpoint) = try postgresRetry.run(
            "connecting to PostgreSQL and taking the lock of \(table.display)", status: status, stop: context.stop, logger: logger,
            isTransient: { Self.component(of: $0) == Self.postgresComponent }
        ) { () throws -> (AdvisoryLease, PostgresConnection, PostgresConnection, Checkpoint?) in
            let lease = try EmbedRunner.takeLock(postgres, table: table, wait: options.lockWait, job: "backfill embed --follow")
            do {
                let db = try EmbedRunner.connect(postgres, table: table)
                let committerDB: PostgresConnection
                do { committerDB = try EmbedRunner.connect(postgres, table: table) } catch { db.close(); throw error }
                do {
                    let checkpoint = try prepare(db, context, first: first)
                    return (lease, db, committerDB, checkpoint)
                } catch {
                    db.close()
                    committerDB.close()
                    throw error
                }
            } catch {
                lease.release()
                throw error
            }
        }
        do {
            let kafkaRetry = Retry(component: Self.kafkaComponent, policy: options.backoff)
            let started = try kafkaRetry.run("planning where to read \(options.topic)", status: status, stop: context.stop, logger: logger,
                                            isTransient: Self.isTransientKafka) {
                let start = try FollowStart(kafka: kafka, topic: options.topic, group: options.effectiveGroup)
                    .positions(checkpoint: checkpoint, table: table, requested: options.start, logger: logger)
                return (start, try TailReader(configuration: kafka, topic: options.topic, start: start))
            }
            let (start, reader) = started
            if checkpoint == nil {
                // The start becomes the checkpoint at once: a restart before the first batch
                // resumes here, not at a relative --since that has moved on meanwhile.
                try db.transaction { try table.writeProgress($0, topic: options.topic, positions: start, model: context.health.model) }
            }
            context.progress.started(at: start)
            return FollowSession(context: context, lease: lease, db: db, committerDB: committerDB, reader: reader)
        } catch {
            db.close()
            committerDB.close()
            lease.release()
            throw error
        }
    }

    /// Creates what is missing, checks the dimension and the model, and reads the checkpoint.
    private func prepare(_ db: PostgresConnection, _ context: FollowContext, first: Bool) throws -> Checkpoint? {
        let options = context.options, table = options.table, health = context.health
        try table.prepare(db, dimension: health.dimension)
        try table.prepareProgress(db)
        try table.checkDimension(db, service: health, serviceName: source.displayName)
        if first, options.resetCheckpoint {
            let forgotten = try db.transaction { try table.deleteProgress($0, topic: options.topic) }
            logger.notice("checkpoint forgotten (--reset-checkpoint)", metadata: ["table": "\(table.schema).\(table.progressName)", "rows": "\(forgotten)"])
        }
        if first, options.buildIndex {
            let memory = try table.buildIndex(db, dimension: health.dimension)
            logger.info("index ready", metadata: ["index": "\(table.indexName)", "maintenance_work_mem": "\(memory)"])
        }
        let (ends, model) = try table.readProgress(db, topic: options.topic)
        if let model, model != health.model {
            guard try !table.hasRows(otherThan: health.model, db) else {
                throw EmbeddingsError(.modelChanged, "\(table.display) was followed with model \(model) but the embedding service at \(source.displayName) now serves \(health.model); re-embed the table once with `backfill embed --from-beginning --schema \(table.schema) --table \(table.name)` (it re-embeds every row of another model), then start the follower again")
            }
            logger.notice("every row is of the service's model now; following with it", metadata: ["previous_model": "\(model)", "model": "\(health.model)"])
        }
        guard !ends.isEmpty else { return nil }
        return Checkpoint(source: "\(table.schema).\(table.progressName)", topic: options.topic, runID: nil, ends: ends)
    }

    // MARK: Errors

    /// The component an error says is away (worth waiting for), or nil for an error no wait
    /// cures (a wrong password, a missing topic, a changed model, a lock another job holds).
    static func component(of error: any Error) -> String? {
        if let error = error as? PostgresError, error.isConnectionError { return postgresComponent }
        if isTransientKafka(error) { return kafkaComponent }
        return nil
    }

    /// Broker trouble that may pass. A missing topic, a position retention has deleted, or a
    /// setting librdkafka refuses does not: the follower stops with the sentence.
    static func isTransientKafka(_ error: any Error) -> Bool {
        guard let error = error as? KafkaError else { return false }
        switch error.code.kind {
        case .configuration, .invalidArgument, .offsetOutOfRange, .topicNotFound, .partitionCountMismatch: return false
        default: return true
        }
    }

    /// A model or dimension change as the follower says it: it stops, and how to go on.
    static func explain(_ error: any Error, context: FollowContext) -> any Error {
        guard let error = error as? EmbeddingsError, error.code == .modelChanged else { return error }
        let table = context.table
        return EmbeddingsError(.modelChanged, "\(error.message). The follower stopped; if the change was meant, re-embed the table once with `backfill embed --from-beginning --schema \(table.schema) --table \(table.name)` (into a new --table when the dimension changed), then start the follower again")
    }
}
