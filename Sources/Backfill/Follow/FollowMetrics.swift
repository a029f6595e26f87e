import Daemon
import Foundation
import Kafka
import Prometheus
import Store
import Telemetry

/// The lifestream follower's own metrics, beside the ones every follower has (`DaemonStatus`).
struct FollowMetrics: Sendable {
    let status: DaemonStatus
    private let records: [String: Counter]
    private let batchRecords: ValueHistogram
    private let freshness: DurationHistogram
    private let pending: Gauge

    init(_ status: DaemonStatus) {
        self.status = status
        let registry = status.registry
        let name = "\(status.prefix)_records_total", help = "Records applied, by outcome (read = valid + duplicate + quarantined)."
        records = Dictionary(uniqueKeysWithValues: ["read", "valid", "duplicate", "quarantined"].map {
            ($0, registry.counter(name, help, labels: [("outcome", $0)]))
        })
        batchRecords = registry.valueHistogram("\(status.prefix)_batch_records", "Records per applied batch.", buckets: MetricBuckets.recordCount)
        freshness = registry.durationHistogram("\(status.prefix)_freshness_seconds",
                                               "From a record's timestamp (its producer's clock) to its batch's commit, per record.",
                                               buckets: MetricBuckets.freshness)
        pending = registry.gauge("\(status.prefix)_pending_events", "Events of the last batch waiting for their subject's creating event.")
    }

    /// A batch committed at `committed`.
    func applied(_ manifest: RunManifest, records batch: [KafkaRecord], committed: Date) {
        let counts = manifest.counts
        records["read"]?.increment(by: Int64(counts.read))
        records["valid"]?.increment(by: Int64(counts.valid))
        records["duplicate"]?.increment(by: Int64(counts.duplicate))
        records["quarantined"]?.increment(by: Int64(counts.quarantined))
        batchRecords.record(Double(batch.count))
        pending.set(to: Double(counts.pending))
        let now = Int64((committed.timeIntervalSince1970 * 1000).rounded())
        for record in batch {
            guard let timestamp = record.timestamp, timestamp <= now else { continue }
            freshness.record(.milliseconds(now - timestamp))
        }
    }

    /// Lag per partition: records between the follower's position and the partition's end, and
    /// how long ago the newest record it applied there was produced (0 when it is caught up).
    func lag(positions: [Int32: Int64], highWatermarks: [Int32: Int64], newest: [Int32: Int64], now: Date) {
        let nowMs = Int64((now.timeIntervalSince1970 * 1000).rounded())
        for (partition, position) in positions {
            let behind = max(0, (highWatermarks[partition] ?? position) - position)
            let seconds = behind == 0 ? 0 : newest[partition].map { Double(max(0, nowMs - $0)) / 1000 }
            status.setLag(partition: partition, records: behind, seconds: seconds)
        }
    }
}
