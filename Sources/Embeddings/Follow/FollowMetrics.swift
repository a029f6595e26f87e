import Daemon
import Foundation
import Prometheus
import Synchronization
import Telemetry

/// The embedding follower's own metrics, beside the ones every follower has (`DaemonStatus`:
/// batches, batch duration, last success, lag, up, retries), all under
/// `backfill_embed_follow_`:
///
/// | metric | labels | meaning |
/// |---|---|---|
/// | `_records_total` | `outcome` = `embedded`, `current`, `superseded`, `quarantined` | records read and what became of them |
/// | `_texts_per_second` | | texts embedded per second over the last 10 s (`rate(_records_total{outcome="embedded"}[1m])` says the same over a longer window) |
/// | `_quarantined_total` | | records and texts put into `<table>_quarantine` |
/// | `_service_latency_seconds` | | histogram of `/generate` requests, failed ones included |
/// | `_freshness_seconds` | | histogram of produce (record timestamp) to the vector being committed, per embedded text |
/// | `_batch_texts` | | histogram of texts per committed batch that went to the service (how full the requests are) |
final class FollowMetrics: Sendable {
    static let prefix = "backfill_embed_follow"

    let status: DaemonStatus
    let serviceLatency: DurationHistogram
    let freshness: DurationHistogram
    private let embedded: Counter
    private let current: Counter
    private let superseded: Counter
    private let quarantinedRecords: Counter
    private let quarantined: Counter
    private let rate: Gauge
    private let batchTexts: ValueHistogram
    private let window = Mutex<[(at: ContinuousClock.Instant, total: Int64)]>([])
    private let total = Mutex<Int64>(0)

    init(status: DaemonStatus) {
        self.status = status
        let registry = status.registry
        let p = Self.prefix
        let recordsHelp = "Records read from the topic, by what became of them."
        embedded = registry.counter("\(p)_records_total", recordsHelp, labels: [("outcome", "embedded")])
        current = registry.counter("\(p)_records_total", recordsHelp, labels: [("outcome", "current")])
        superseded = registry.counter("\(p)_records_total", recordsHelp, labels: [("outcome", "superseded")])
        quarantinedRecords = registry.counter("\(p)_records_total", recordsHelp, labels: [("outcome", "quarantined")])
        quarantined = registry.counter("\(p)_quarantined_total", "Records and texts put into the quarantine table, with a reason.")
        rate = registry.gauge("\(p)_texts_per_second", "Texts embedded per second over the last 10 seconds.")
        serviceLatency = registry.durationHistogram("\(p)_service_latency_seconds", "Duration of each /generate request to the embedding service.",
                                                    buckets: MetricBuckets.serviceLatency)
        batchTexts = registry.valueHistogram("\(p)_batch_texts", "Texts per batch sent to the embedding service.",
                                             buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024])
        freshness = registry.durationHistogram("\(p)_freshness_seconds", "From a record's timestamp (produce) to its vector being committed.",
                                               buckets: MetricBuckets.batchDuration)
    }

    /// A batch committed: counts, its duration from cut to commit, and each text's freshness.
    func committed(_ batch: FollowBatch, written: Int, quarantinedTexts: Int, retries: Int, now: Date = Date()) {
        let counts = batch.counts
        let refused = quarantinedTexts
        if !batch.toEmbed.isEmpty { batchTexts.record(Double(batch.toEmbed.count)) }
        embedded.increment(by: Int64(batch.toEmbed.count - refused))
        current.increment(by: Int64(counts.current))
        superseded.increment(by: Int64(counts.superseded))
        quarantinedRecords.increment(by: Int64(batch.quarantined.count + refused))
        quarantined.increment(by: Int64(batch.quarantined.count + refused))
        for _ in 0..<retries { status.countRetry(EmbedFollower.serviceComponent) }
        let nowMS = now.timeIntervalSince1970 * 1_000
        for produced in batch.producedAt {
            guard let produced else { continue }
            freshness.record(.milliseconds(max(0, Int64(nowMS) - produced)))
        }
        total.withLock { $0 += Int64(batch.toEmbed.count - refused) }
        status.batchSucceeded(duration: ContinuousClock.now - batch.cutAt)
    }

    /// Updates `_texts_per_second` from the embedded count over the last 10 s; the monitor calls
    /// it once a tick.
    func sampleRate(now: ContinuousClock.Instant = .now) {
        let count = total.withLock { $0 }
        let perSecond = window.withLock { window -> Double in
            window.append((now, count))
            window.removeAll { now - $0.at > .seconds(10) }
            guard let first = window.first, let last = window.last, last.at > first.at else { return 0 }
            let seconds = Double((last.at - first.at).components.seconds) + Double((last.at - first.at).components.attoseconds) / 1e18
            return Double(last.total - first.total) / seconds
        }
        rate.set(to: perSecond)
    }
}

/// The service as the follower calls it: every `/generate` timed into
/// `backfill_embed_follow_service_latency_seconds`. A wrapper over the public protocol, so the
/// client underneath may change freely.
struct TimedSource: EmbeddingSource {
    let base: any EmbeddingSource
    let latency: DurationHistogram

    func health() -> Result<ServiceHealth, EmbeddingsError> { base.health() }

    func generate(_ texts: [String]) -> GenerateOutcome {
        let started = ContinuousClock.now
        defer { latency.record(ContinuousClock.now - started) }
        return base.generate(texts)
    }

    var displayName: String { base.displayName }
}
