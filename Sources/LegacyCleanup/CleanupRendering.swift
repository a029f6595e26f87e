import Display
import Foundation

/// The cleanup outcome as Markdown (the report a person keeps), JSON (for scripts; the same
/// fields as `CleanupOutcome`) and terminal text. Pure.
public enum CleanupRendering {
    public static func json(_ outcome: CleanupOutcome) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(outcome), as: UTF8.self) + "\n"
    }

    public static func markdown(_ outcome: CleanupOutcome) -> String {
        var lines = ["# Legacy table cleanup: \(headline(outcome))", ""]
        lines.append("- Generated: \(outcome.generatedAt)")
        lines.append("- Schema: `\(outcome.schema)`, Flink group: `\(outcome.group)`")
        lines.append("- Mode: \(outcome.confirm ? "--confirm" : "dry run")")
        if let reason = outcome.forceReason { lines.append("- Forced (cutover check only): \(reason)") }
        if let refusal = outcome.refusal { lines.append("- Refused: \(refusal)") }
        if let note = outcome.note { lines.append("- Note: \(note)") }
        lines.append("")
        if !outcome.tables.isEmpty {
            lines += ["## Tables", "", "| table | rows | SHA-256 of COPY text |", "|---|---:|---|"]
            for table in outcome.tables { lines.append("| `\(table.name)` | \(table.rows) | `\(table.sha256)` |") }
            lines.append("")
        }
        if !outcome.checks.isEmpty {
            lines += ["## Checks", ""]
            for check in outcome.checks {
                lines.append("### \(check.number). \(check.name): \(check.status.rawValue.uppercased())")
                lines.append("")
                lines.append(check.summary + ".")
                lines.append("")
                for detail in check.details { lines.append("- \(detail)") }
                if !check.details.isEmpty { lines.append("") }
                if !check.evidence.isEmpty {
                    lines += ["| evidence | value |", "|---|---|"]
                    for key in check.evidence.keys.sorted() {
                        lines.append("| \(key) | \(check.evidence[key]!.description.replacingOccurrences(of: "|", with: "\\|")) |")
                    }
                    lines.append("")
                }
            }
        }
        if let snapshot = outcome.snapshot {
            lines += ["## Snapshot", "",
                      "- Folder: `\(snapshot.path)` (\(snapshot.tables.joined(separator: ", ")); \(snapshot.rows) rows; \(snapshot.compressedBytes) bytes compressed; verified: \(snapshot.verified ? "yes" : "no"))"]
            if let restore = outcome.restoreCommand {
                lines += ["- Restore the tables with:", "", "```sh", restore, "```"]
            }
            lines.append("")
        }
        if outcome.result != .dropped, !outcome.plan.isEmpty {
            lines += ["## Plan", ""] + outcome.plan.enumerated().map { "\($0.offset + 1). \($0.element)" } + [""]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What the command prints.
    public static func text(_ outcome: CleanupOutcome) -> String {
        var lines: [String] = []
        if outcome.result == .nothingToDo {
            var text = "Nothing to do: \(Display.name(outcome.schema)) has neither event_ingest_dedupe nor kafka_offsets."
            if let snapshot = outcome.snapshot {
                text += "\nThey were archived in \(Display.name(snapshot.path)) (\(snapshot.tables.joined(separator: ", ")); \(snapshot.rows) rows)."
            }
            if let restore = outcome.restoreCommand { text += "\nRestore with: \(restore)" }
            if let note = outcome.note { text += "\nNote: \(note)." }
            return text
        }
        lines.append("Legacy tables of \(Display.name(outcome.schema)): " + outcome.tables.map { "\($0.name) (\($0.rows) \($0.rows == 1 ? "row" : "rows"))" }.joined(separator: ", "))
        for check in outcome.checks {
            let mark = switch check.status { case .pass: "PASS  "; case .fail: "FAIL  "; case .forced: "FORCED" }
            lines.append("\(mark) \(check.number). \(check.name): \(check.summary)")
            for detail in check.details.prefix(20) { lines.append("         \(detail)") }
            if check.details.count > 20 { lines.append("         … and \(check.details.count - 20) more (see --json)") }
        }
        switch outcome.result {
        case .nothingToDo: break
        case .refused:
            lines.append("Refused: \(outcome.refusal ?? "a check failed"). The tables were left as they are.")
        case .dryRunPassed:
            lines.append("All checks pass. Dry run: nothing was changed. With --confirm the cleanup will:")
            lines += outcome.plan.enumerated().map { "  \($0.offset + 1). \($0.element)" }
        case .dropped:
            lines.append("Dropped \(outcome.tables.map(\.name).joined(separator: " and ")) in one transaction.")
            if let snapshot = outcome.snapshot { lines.append("Snapshot (verified): \(Display.name(snapshot.path))") }
            if let note = outcome.note { lines.append("Note: \(note).") }
            if let restore = outcome.restoreCommand { lines.append("Restore with: \(restore)") }
        }
        if !outcome.reportFiles.isEmpty { lines.append("Report: \(outcome.reportFiles.map(Display.name).joined(separator: ", "))") }
        return lines.joined(separator: "\n")
    }

    static func headline(_ outcome: CleanupOutcome) -> String {
        switch outcome.result {
        case .nothingToDo: return "nothing to do"
        case .dryRunPassed: return "all checks pass (dry run)"
        case .refused: return "refused"
        case .dropped: return "dropped"
        }
    }
}
