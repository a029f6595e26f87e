import Foundation
import Kafka
import Logging
import Pipeline
import Postgres
import Prometheus
import Store
import Synchronization

/// `backfill follow --verify-against`: compares the live job's tables with the follower's while
/// both run, subject by subject as the follower's batches touch them, and keeps running totals by
/// table and cause (`DivergenceTotals`) in `/metrics` and `reports/verify-latest.*`.
///
/// A thread of its own, so a slow diff never holds a batch up: the follower only tells it how far
/// it has applied (`followerApplied`). Each round reads the live group's committed offsets, judges
/// the records both sides have applied (`VerifyCursor`) with an incremental diff of the subjects
/// they touched, and moves on. An error (the live database away, the broker not answering) is
/// logged, shown in the report and `_up`, and the round is tried again; it never stops the follower.
public final class LiveVerifier: Sendable {
    private struct Signals {
        var applied: [Int32: Int64] = [:]
        var stop = false
        var woken = false
    }

    private let options: LiveVerifyOptions
    private let kafka: KafkaConfiguration
    private let logger: Logger
    private let metrics: VerifyMetrics
    private let signals = ConditionLocked(Signals())
    private let latest = Mutex<VerifyStatus?>(nil)
    private let worker = Mutex<WorkerThread?>(nil)

    /// `prefix` names the metrics (`backfill_follow_verify` → `backfill_follow_verify_differing_rows`).
    public init(options: LiveVerifyOptions, kafka: KafkaConfiguration, registry: PrometheusCollectorRegistry, prefix: String, logger: Logger) {
        self.options = options
        self.kafka = kafka
        self.logger = logger
        metrics = VerifyMetrics(registry: registry, prefix: prefix, tables: options.tables.map(\.name))
    }

    /// Starts verifying, the follower having applied the records below `start`; later calls
    /// only report progress.
    public func start(at start: [Int32: Int64]) {
        followerApplied(start)
        worker.withLock { worker in
            guard worker == nil else { return }
            worker = WorkerThread(name: "backfill-verify") { [self] in loop() }
        }
    }

    /// The follower applied a batch ending (exclusive) at `ends`.
    public func followerApplied(_ ends: [Int32: Int64]) {
        signals.withLock { signals in
            for (partition, end) in ends { signals.applied[partition] = max(signals.applied[partition] ?? end, end) }
            signals.woken = true
        }
    }

    /// Ends the loop after its current round, writes the report once more, and returns.
    public func stop() {
        signals.withLock { $0.stop = true }
        worker.withLock { $0 }?.join()
    }

    /// What the last round found (nil before the first).
    public var status: VerifyStatus? { latest.withLock { $0 } }

    private func loop() {
        var round = VerifyRound(options: options, started: Date())
        var cursor: VerifyCursor?
        var lastReport = ContinuousClock.now - .seconds(3600)
        let admin = Result { try KafkaAdmin(configuration: kafka) }
        while true {
            let (applied, stopping) = signals.withLock(waitingUntil: { $0.stop || $0.woken }, timeout: options.interval) { signals in
                signals.woken = false
                return (signals.applied, signals.stop)
            } ?? signals.withLock { ($0.applied, $0.stop) }
            do {
                let admin = try admin.get()
                let partitions = applied.keys.sorted()
                let committed = try admin.committedOffsets(group: options.liveGroup, topic: options.topic, partitions: partitions, timeout: .seconds(5))
                if cursor == nil {
                    // Judged so far: what both sides had applied when verifying began.
                    var judged: [Int32: Int64] = [:]
                    for (partition, end) in applied { judged[partition] = min(end, (committed[partition] ?? nil) ?? 0) }
                    if options.initialFullDiff { try round.compare(.all, logger: logger, metrics: metrics) }
                    cursor = VerifyCursor(start: judged)
                }
                cursor!.followerApplied(applied)
                cursor!.liveCommitted(committed)
                try round.judgeReady(&cursor!, logger: logger, metrics: metrics)
                round.lastError = nil
            } catch {
                if round.lastError == nil { logger.warning("live verification failed; trying again", metadata: ["error": "\(error)"]) }
                round.lastError = "\(error)"
                round.closeConnection()
            }
            let status = round.status(cursor ?? VerifyCursor(start: applied), now: Date())
            latest.withLock { $0 = status }
            metrics.show(status)
            if stopping || ContinuousClock.now - lastReport >= options.reportInterval {
                lastReport = ContinuousClock.now
                writeReport(status)
            }
            if stopping { break }
        }
        round.closeConnection()
    }

    private func writeReport(_ status: VerifyStatus) {
        do {
            try ReportFiles.replace([("json", try status.json()), ("md", status.markdown()), ("html", status.html())],
                                    named: "verify-latest", in: options.reportsDirectory)
        } catch {
            logger.warning("the verification report could not be written", metadata: ["error": "\(error)"])
        }
    }
}
