import Foundation
import Telemetry
import Prometheus

/// What a running follower reports about itself, in one place: its health (for `/healthz`) and
/// its metrics (for `/metrics`). The follower's loop thread writes; the status server reads.
///
/// The metrics every follower has are declared here under the follower's prefix
/// (`backfill_follow`, `backfill_embed_follow`), so the names line up across followers and the
/// docs' alert rules fit both:
///
/// | metric | labels | meaning |
/// |---|---|---|
/// | `<prefix>_batches_total` | `outcome` = `ok`, `failed` | cycles completed or abandoned (a failed one is retried) |
/// | `<prefix>_batch_duration_seconds` | | histogram of successful cycles |
/// | `<prefix>_last_success_timestamp_seconds` | | Unix time of the last successful cycle |
/// | `<prefix>_lag_records`, `<prefix>_lag_seconds` | `partition` | how far the follower is behind, per partition |
/// | `<prefix>_up` | `component` | 1 while the component answers, 0 while the follower waits it out |
/// | `<prefix>_retries_total` | `component` | attempts that failed and were retried |
///
/// Feature metrics (records by outcome, quarantined, texts/s) the follower declares itself on
/// `registry`, with the same prefix.
public final class DaemonStatus: Sendable {
    public let prefix: String
    public let registry: PrometheusCollectorRegistry
    public let health: HealthTracker

    private let batchesOK: Counter
    private let batchesFailed: Counter
    private let batchDuration: DurationHistogram
    private let lastSuccess: Gauge
    private let clock: @Sendable () -> Date

    public init(prefix: String, healthThreshold: Duration, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.prefix = prefix
        self.registry = registry
        self.clock = clock
        self.health = HealthTracker(threshold: healthThreshold, clock: clock)
        let batches = "\(prefix)_batches_total", batchesHelp = "Cycles (plan, ingest, materialize, checkpoint) by outcome; a failed one is retried."
        batchesOK = registry.counter(batches, batchesHelp, labels: [("outcome", "ok")])
        batchesFailed = registry.counter(batches, batchesHelp, labels: [("outcome", "failed")])
        batchDuration = registry.durationHistogram("\(prefix)_batch_duration_seconds", "Duration of each successful cycle.",
                                                   buckets: MetricBuckets.batchDuration)
        lastSuccess = registry.gauge("\(prefix)_last_success_timestamp_seconds", "When the last cycle succeeded (Unix time).")
    }

    /// A cycle committed (or found nothing to do): health and metrics both learn of it.
    public func batchSucceeded(duration: Duration) {
        health.recordSuccess()
        batchesOK.increment()
        batchDuration.record(duration)
        lastSuccess.set(to: clock().timeIntervalSince1970)
    }

    /// A wait that found nothing to do ended well (the sources answered): healthy, and the last
    /// success moves on, but no batch is counted — the batch metrics describe batches only.
    public func idleSucceeded() {
        health.recordSuccess()
        lastSuccess.set(to: clock().timeIntervalSince1970)
    }

    /// A cycle was abandoned (rolled back) and will be tried again.
    public func batchFailed() {
        batchesFailed.increment()
    }

    /// How far behind the follower is on one partition, in records and in event time.
    public func setLag(partition: Int32, records: Int64, seconds: Double?) {
        let labels = [("partition", String(partition))]
        registry.gauge("\(prefix)_lag_records", "Records on the topic the follower has not applied yet, per partition.", labels: labels)
            .set(to: Double(records))
        if let seconds {
            registry.gauge("\(prefix)_lag_seconds", "Age of the oldest record not applied yet, per partition (0 when caught up).",
                           labels: labels).set(to: seconds)
        }
    }

    /// The follower cannot reach `component`; `/healthz` fails until `markUp`.
    public func markDown(_ component: String, reason: String) {
        health.markDown(component, reason: reason)
        up(component).set(to: 0)
    }

    /// `component` answers; returns how long it had been down, if it was.
    @discardableResult
    public func markUp(_ component: String) -> Duration? {
        up(component).set(to: 1)
        return health.markUp(component)
    }

    /// One failed attempt at `component` that will be retried.
    public func countRetry(_ component: String) {
        registry.counter("\(prefix)_retries_total", "Attempts that failed for a reason that may pass and were retried, per component.",
                         labels: [("component", component)]).increment()
    }

    private func up(_ component: String) -> Gauge {
        registry.gauge("\(prefix)_up", "1 while the component answers, 0 while the follower waits for it.", labels: [("component", component)])
    }
}
