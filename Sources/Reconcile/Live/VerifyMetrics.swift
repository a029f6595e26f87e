import Prometheus
import Telemetry

/// A live verifier's gauges, beside the follower's own: what a person watching a cutover graphs.
///
/// | name | labels | meaning |
/// |---|---|---|
/// | `_differing_subjects` | | subjects whose rows differ now |
/// | `_differing_rows` | `table` | rows that differ now |
/// | `_differing_rows_by_cause` | `table`, `cause` | the same rows by cause |
/// | `_pending_subjects` | | subjects the follower applied and the live group has not read yet |
/// | `_live_behind_records` | | records the follower applied and the live group has not read yet |
/// | `_diffs_total` | | diffs run (the initial full one and the incremental ones) |
/// | `_last_diff_timestamp_seconds` | | when the last diff ended (Unix time) |
/// | `_up` | | 1 when the last attempt to verify worked, 0 after an error |
struct VerifyMetrics: Sendable {
    private let differingSubjects: Gauge
    private let rows: [String: Gauge]
    private let rowsByCause: [String: [DiffCause: Gauge]]
    private let pending: Gauge
    private let liveBehind: Gauge
    private let diffs: Counter
    private let lastDiff: Gauge
    private let up: Gauge

    init(registry: PrometheusCollectorRegistry, prefix: String, tables: [String]) {
        differingSubjects = registry.gauge("\(prefix)_differing_subjects", "Subjects whose rows differ between the live tables and the follower's.")
        rows = Dictionary(uniqueKeysWithValues: tables.map {
            ($0, registry.gauge("\(prefix)_differing_rows", "Rows that differ between the live tables and the follower's.", labels: [("table", $0)]))
        })
        rowsByCause = Dictionary(uniqueKeysWithValues: tables.map { table in
            (table, Dictionary(uniqueKeysWithValues: DiffCause.allCases.map { cause in
                (cause, registry.gauge("\(prefix)_differing_rows_by_cause", "Differing rows by table and cause.",
                                       labels: [("table", table), ("cause", cause.rawValue)]))
            }))
        })
        pending = registry.gauge("\(prefix)_pending_subjects", "Subjects with records the follower applied that the live group has not read yet.")
        liveBehind = registry.gauge("\(prefix)_live_behind_records", "Records the follower applied that the live group has not read yet.")
        diffs = registry.counter("\(prefix)_diffs_total", "Diffs the verifier ran.")
        lastDiff = registry.gauge("\(prefix)_last_diff_timestamp_seconds", "When the verifier's last diff ended, in Unix seconds.")
        up = registry.gauge("\(prefix)_up", "1 when the verifier's last attempt worked, 0 after an error.")
    }

    func show(_ status: VerifyStatus) {
        differingSubjects.set(to: Double(status.differingSubjects))
        let byTable = Dictionary(uniqueKeysWithValues: status.tables.map { ($0.table, $0) })
        for (table, gauge) in rows { gauge.set(to: Double(byTable[table]?.rows ?? 0)) }
        for (table, causes) in rowsByCause {
            for (cause, gauge) in causes { gauge.set(to: Double(byTable[table]?.causes[cause.rawValue] ?? 0)) }
        }
        pending.set(to: Double(status.pendingSubjects))
        liveBehind.set(to: Double(status.liveBehindRecords))
        up.set(to: status.lastError == nil ? 1 : 0)
    }

    func diffEnded(at unixSeconds: Double) {
        diffs.increment()
        lastDiff.set(to: unixSeconds)
    }
}
