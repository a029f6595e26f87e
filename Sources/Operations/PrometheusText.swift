import Foundation
import Telemetry
import Prometheus

/// The nightly summary in Prometheus' text exposition format, for node_exporter's textfile
/// collector (`--collector.textfile.directory`). Pure; the caller writes it atomically.
///
/// Rendered through the same registry and exposition as a daemon's `/metrics` (the Telemetry
/// target), so the project has one metrics path; a fresh registry per render, since the file
/// describes one night and nothing else.
public enum PrometheusText {
    public static func render(_ summary: NightlySummary, now: Date) -> String {
        let registry = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ help: String, _ samples: [(labels: [(String, String)], value: Double)]) {
            for sample in samples { registry.gauge(name, help, labels: sample.labels).set(to: sample.value) }
        }
        gauge("backfill_nightly_last_run_timestamp_seconds", "When the last nightly run finished (Unix time).",
              [([], (summary.finishedAt ?? now).timeIntervalSince1970)])
        gauge("backfill_nightly_exit_code", "Exit code of the last nightly run: 0 ok, 1 diverged, 2 error, 3 locked.",
              [([], Double(summary.exitCode))])
        gauge("backfill_nightly_duration_seconds", "Duration of the last nightly run.", [([], summary.totalSeconds)])
        gauge("backfill_nightly_step_duration_seconds", "Duration of each step of the last nightly run.",
              summary.steps.map { ([("step", $0.name)], $0.seconds) })
        if let events = summary.events {
            gauge("backfill_events_total", "Records of the last nightly run by outcome (read = valid + duplicate + quarantined).",
                  [([("kind", "read")], Double(events.read)), ([("kind", "valid")], Double(events.valid)),
                   ([("kind", "duplicate")], Double(events.duplicate)), ([("kind", "quarantined")], Double(events.quarantined))])
        }
        if let pending = summary.pending {
            gauge("backfill_pending_events", "Events waiting for their subject's creating event.", [([], Double(pending))])
        }
        if !summary.rowsWritten.isEmpty {
            gauge("backfill_rows_written", "Rows the last nightly run wrote into the shadow schema, per table.",
                  summary.rowsWritten.sorted { $0.key < $1.key }.map { ([("table", $0.key)], Double($0.value)) })
        }
        if let diff = summary.diff {
            gauge("backfill_diff_rows", "Differing rows between the live and shadow tables, per table.",
                  diff.tables.sorted { $0.key < $1.key }.map { ([("table", $0.key)], Double($0.value)) })
            gauge("backfill_diff_diverged", "1 when the last diff's verdict was diverged.",
                  [([], diff.verdict == "diverged" ? 1 : 0)])
            if let scope = diff.scope {
                gauge("backfill_diff_incremental", "1 when the last diff was incremental (only the subjects with records since the last verified point, and those that differed there), 0 when it was full.",
                      [([], scope == "incremental" ? 1 : 0)])
            }
            if let subjects = diff.subjects {
                gauge("backfill_diff_subjects", "Subjects the last incremental diff compared.", [([], Double(subjects))])
            }
            if let causes = diff.causes {
                gauge("backfill_diff_cause_rows", "Differing rows of the last diff per cause (changed_without_events: written outside the event stream).",
                      causes.sorted { $0.key < $1.key }.map { ([("cause", $0.key)], Double($0.value)) })
            }
            if let lastFull = diff.lastFullAt {
                gauge("backfill_diff_last_full_timestamp_seconds", "When the last full diff of the live and shadow tables ran (Unix time).",
                      [([], lastFull.timeIntervalSince1970)])
            }
            if let rules = diff.rules {
                gauge("backfill_diff_rows_after_rules", "Differing rows no verdict rule accepted (judged against the everything-else limit).",
                      [([], Double(rules.remaining))])
                gauge("backfill_diff_rows_accepted", "Differing rows the verdict rules accepted.", [([], Double(rules.accepted))])
            }
        }
        if let snapshot = summary.snapshot {
            gauge("backfill_snapshot_rows", "Rows in the last nightly snapshot.", [([], Double(snapshot.rows))])
            gauge("backfill_snapshot_compressed_bytes", "Size of the last nightly snapshot.", [([], Double(snapshot.compressedBytes))])
        }
        gauge("backfill_retention_pruned", "Snapshots and reports the last nightly run pruned.", [([], Double(summary.pruned.count))])
        return Exposition.text(registry)
    }
}
