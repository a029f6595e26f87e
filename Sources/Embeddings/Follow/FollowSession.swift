import Daemon
import Foundation
import Kafka
import Logging
import Postgres
import Store

/// What every part of the follower shares: settings, the service as it answered `/health`, the
/// daemon's status and stop, and the progress across sessions.
struct FollowContext: Sendable {
    let kafka: KafkaConfiguration
    let postgres: PostgresConfiguration
    let source: any EmbeddingSource
    let health: ServiceHealth
    let options: FollowOptions
    let metrics: FollowMetrics
    let progress: FollowProgress
    let stop: StopToken
    let logger: Logger

    var status: DaemonStatus { metrics.status }
    var table: EmbeddingTable { options.table }
}

/// One connected stretch of following: the table's lock, the connections, and the threads —
/// this one reading and cutting batches, `concurrency` workers embedding them, one committer
/// writing them in order with the checkpoint. It ends when a stop is asked for (the batches
/// the service is working on are finished and committed first; those still queued are left)
/// or when something fails (all of it is let go, and what was not committed is read again by
/// the next session).
final class FollowSession {
    let context: FollowContext
    let lease: AdvisoryLease
    let db: PostgresConnection
    let committerDB: PostgresConnection
    let reader: TailReader
    private var lastLeaseCheck = ContinuousClock.now

    init(context: FollowContext, lease: AdvisoryLease, db: PostgresConnection, committerDB: PostgresConnection, reader: TailReader) {
        self.context = context
        self.lease = lease
        self.db = db
        self.committerDB = committerDB
        self.reader = reader
    }

    /// Lets go of the connections and the lock. The reader goes with the session.
    func close() {
        db.close()
        committerDB.close()
        lease.release()
    }

    /// Follows until a stop (returns) or a failure (throws it, with everything let go).
    func run() throws {
        let options = context.options
        let pipeline = FollowPipeline(capacity: options.concurrency, workers: options.concurrency, processStop: context.stop)
        let finished = DispatchGroup()
        let context = context
        let committer = ConnectionHandoff(committerDB)
        start("embed-follow-commit", finished) { Self.commitLoop(context, pipeline, committer.connection) }
        for number in 1...options.concurrency {
            start("embed-follow-worker-\(number)", finished) { Self.workLoop(context, pipeline) }
        }
        do {
            try readLoop(pipeline)
            pipeline.close()
        } catch {
            pipeline.fail(error)
        }
        finished.wait()
        if let failure = pipeline.failure { throw failure }
    }

    private func start(_ name: String, _ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.name = name
        thread.start()
    }

    // MARK: The loop: read, gather, cut

    private func readLoop(_ pipeline: FollowPipeline) throws {
        let options = context.options
        let rule = CutRule(batchSize: options.batchSize, concurrency: options.concurrency, linger: options.linger)
        var pending = PendingBatch()
        var sequence = 0
        while !context.stop.isStopRequested {
            if let failure = pipeline.failure { throw failure }
            for (partition, offset) in context.progress.takeAdded().sorted(by: { $0.key < $1.key }) {
                try reader.add(partition: partition, at: offset)
                context.progress.started(at: [partition: offset])
            }
            let now = ContinuousClock.now
            let waited = pending.firstArrival.map { now - $0 } ?? .zero
            let maxWait = pending.isEmpty ? options.idleWait : max(.milliseconds(20), options.linger - waited)
            let records = try reader.poll(maxRecords: rule.room(pending), maxWait: maxWait,
                                          linger: pending.isEmpty ? options.linger : min(options.linger, maxWait))
            let arrived = ContinuousClock.now
            for record in records { pending.add(record, at: arrived) }
            if !records.isEmpty { context.progress.gathering(pending.firstRecords) }
            context.progress.saw(highWatermarks: reader.cachedHighWatermarks())
            if rule.shouldCut(pending, outstanding: pipeline.outstanding, now: ContinuousClock.now) {
                try checkLease()
                try cut(&pending, sequence: sequence, pipeline)
                sequence += 1
            } else if pending.isEmpty, pipeline.outstanding == 0 {
                // Caught up and idle: the loop is healthy; make sure the lock still is.
                try checkLease()
                context.status.health.recordSuccess()
            }
        }
        // Records gathered but not cut are not in flight: the next start reads them again.
    }

    /// The gathered records become a batch: the newest text per id, less what is current — in
    /// the table, or in a batch still in flight, whose text will be the table's when it commits.
    private func cut(_ pending: inout PendingBatch, sequence: Int, _ pipeline: FollowPipeline) throws {
        let candidates = pending.candidates
        let inFlight = pipeline.inFlightTexts(candidates.map(\.id))
        let outside = candidates.filter { inFlight[$0.id] == nil }
        var toEmbed = outside.isEmpty ? [] : try context.table.notCurrent(db, messages: outside, model: context.health.model)
        toEmbed += candidates.filter { message in inFlight[message.id].map { $0 != message.text } ?? false }
        toEmbed.sort { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
        let batch = pending.batch(sequence: sequence, toEmbed: toEmbed, positions: reader.positions, at: .now)
        context.progress.cut(batch)
        pending = PendingBatch()
        try pipeline.push(batch)
    }

    /// Every few seconds: the lease's transaction is still open (an administrator or a timeout
    /// may have ended it, and with it the exclusion of a second writer).
    private func checkLease() throws {
        guard ContinuousClock.now - lastLeaseCheck >= .seconds(5) else { return }
        try lease.confirm()
        lastLeaseCheck = .now
    }

    // MARK: Workers

    private static func workLoop(_ context: FollowContext, _ pipeline: FollowPipeline) {
        let embedder = BatchEmbedder(source: context.source, health: context.health, retry: context.options.retry,
                                     topic: context.options.topic, logger: context.logger)
        while let batch = pipeline.take() {
            // Handed over but not started when the stop came: not in flight, so not finished —
            // nothing after it commits, and the next start reads its records again.
            if pipeline.workerStop.isStopRequested, !batch.toEmbed.isEmpty {
                pipeline.finish(.abandoned(sequence: batch.sequence))
                continue
            }
            guard !batch.toEmbed.isEmpty else {
                pipeline.finish(.embedded(batch, BatchEmbedder.Output()))
                continue
            }
            do {
                pipeline.finish(.embedded(batch, try embedWaiting(batch, embedder, context, pipeline)))
            } catch is StopRequested {
                pipeline.finish(.abandoned(sequence: batch.sequence))
            } catch {
                pipeline.fail(EmbedFollower.explain(error, context: context))
                return
            }
        }
    }

    /// One attempt at once (a batch handed over before a stop is finished if the service
    /// answers); when the service keeps failing past the quick retries, it counts as down and
    /// the batch waits for it with backoff — as long as it takes, or until a stop.
    private static func embedWaiting(_ batch: FollowBatch, _ embedder: BatchEmbedder, _ context: FollowContext,
                                     _ pipeline: FollowPipeline) throws -> BatchEmbedder.Output {
        do {
            let output = try embedder.embed(batch.toEmbed)
            context.status.markUp(EmbedFollower.serviceComponent)
            return output
        } catch let error as EmbeddingsError where error.code == .service {
            context.status.markDown(EmbedFollower.serviceComponent, reason: error.message)
            let retry = Retry(component: EmbedFollower.serviceComponent, policy: context.options.serviceBackoff)
            return try retry.run("embedding a batch of \(batch.toEmbed.count) texts", status: context.status, stop: pipeline.workerStop,
                                 logger: context.logger, isTransient: { ($0 as? EmbeddingsError)?.code == .service }) {
                try embedder.embed(batch.toEmbed)
            }
        }
    }

    // MARK: Committer

    /// Writes each batch — vectors, quarantine rows, checkpoint — in one transaction, in cut order.
    private static func commitLoop(_ context: FollowContext, _ pipeline: FollowPipeline, _ db: PostgresConnection) {
        while let (batch, output) = pipeline.nextToCommit() {
            do {
                let quarantined = batch.quarantined + output.quarantined
                let written = try context.table.write(db, vectors: output.vectors, model: context.health.model, quarantined: quarantined,
                                                      progress: (context.options.topic, batch.positions))
                pipeline.committed(batch)
                context.progress.committed(batch)
                context.metrics.committed(batch, written: written, quarantinedTexts: output.quarantined.count, retries: output.retries)
                if !quarantined.isEmpty {
                    context.logger.warning("records quarantined", metadata: [
                        "count": "\(quarantined.count)", "table": "\(context.table.schema).\(context.table.quarantineName)",
                        "first_reason": "\(quarantined[0].reason)",
                    ])
                }
                context.logger.debug("batch committed", metadata: [
                    "batch": "\(batch.sequence)", "records": "\(batch.counts.records)", "embedded": "\(written)",
                    "current": "\(batch.counts.current)", "superseded": "\(batch.counts.superseded)",
                ])
            } catch {
                pipeline.fail(error)
                return
            }
        }
    }
}
