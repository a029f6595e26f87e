import Foundation

/// The nightly summary in Prometheus' text exposition format, for node_exporter's textfile
/// collector (`--collector.textfile.directory`). Pure; the caller writes it atomically.
public enum PrometheusText {
    public static func render(_ summary: NightlySummary, now: Date) -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                let labels = sample.labels.isEmpty ? "" : "{" + sample.labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
                out += "\(name)\(labels) \(format(sample.value))\n"
            }
        }
        metric("backfill_nightly_last_run_timestamp_seconds", "gauge", "When the last nightly run finished (Unix time).",
               [([], (summary.finishedAt ?? now).timeIntervalSince1970)])
        metric("backfill_nightly_exit_code", "gauge", "Exit code of the last nightly run: 0 ok, 1 diverged, 2 error, 3 locked.",
               [([], Double(summary.exitCode))])
        metric("backfill_nightly_duration_seconds", "gauge", "Duration of the last nightly run.", [([], summary.totalSeconds)])
        metric("backfill_nightly_step_duration_seconds", "gauge", "Duration of each step of the last nightly run.",
               summary.steps.map { ([("step", $0.name)], $0.seconds) })
        if let events = summary.events {
            metric("backfill_events_total", "gauge", "Records of the last nightly run by outcome (read = valid + duplicate + quarantined).",
                   [([("kind", "read")], Double(events.read)), ([("kind", "valid")], Double(events.valid)),
                    ([("kind", "duplicate")], Double(events.duplicate)), ([("kind", "quarantined")], Double(events.quarantined))])
        }
        if let pending = summary.pending {
            metric("backfill_pending_events", "gauge", "Events waiting for their subject's creating event.", [([], Double(pending))])
        }
        if !summary.rowsWritten.isEmpty {
            metric("backfill_rows_written", "gauge", "Rows the last nightly run wrote into the shadow schema, per table.",
                   summary.rowsWritten.sorted { $0.key < $1.key }.map { ([("table", $0.key)], Double($0.value)) })
        }
        if let diff = summary.diff {
            metric("backfill_diff_rows", "gauge", "Differing rows between the live and shadow tables, per table.",
                   diff.tables.sorted { $0.key < $1.key }.map { ([("table", $0.key)], Double($0.value)) })
            metric("backfill_diff_diverged", "gauge", "1 when the last diff's verdict was diverged.",
                   [([], diff.verdict == "diverged" ? 1 : 0)])
            if let rules = diff.rules {
                metric("backfill_diff_rows_after_rules", "gauge", "Differing rows no verdict rule accepted (judged against the everything-else limit).",
                       [([], Double(rules.remaining))])
                metric("backfill_diff_rows_accepted", "gauge", "Differing rows the verdict rules accepted.", [([], Double(rules.accepted))])
            }
        }
        if let snapshot = summary.snapshot {
            metric("backfill_snapshot_rows", "gauge", "Rows in the last nightly snapshot.", [([], Double(snapshot.rows))])
            metric("backfill_snapshot_compressed_bytes", "gauge", "Size of the last nightly snapshot.", [([], Double(snapshot.compressedBytes))])
        }
        metric("backfill_retention_pruned", "gauge", "Snapshots and reports the last nightly run pruned.", [([], Double(summary.pruned.count))])
        return out
    }

    /// Label values escape backslash, double quote and newline.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
