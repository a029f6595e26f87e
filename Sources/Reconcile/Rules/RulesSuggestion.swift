import Foundation
import Store

/// A starting rules file from a diff (`backfill rules suggest`): one rule per cause and per
/// changed column the numbers make plausible, each commented with those numbers, and
/// commented-out offers where they do not. A person edits the reasons and limits and commits
/// it; the text always parses back as a valid rules file.
public enum RulesSuggestion {
    public static func render(_ report: DiffReport, source: String) -> String {
        var lines = [
            "# Verdict rules suggested by `backfill rules suggest` from \(source):",
            "# diff of \(report.left.schema) vs \(report.right.schema) at \(Timestamps.iso(report.generatedAt)), "
                + "\(report.totals.differences) differing rows in \(report.tables.filter { !$0.matches }.count) of \(report.tables.count) tables.",
            "# Every rule is a decision: keep only what you accept, say why in its reason, and commit the file.",
            "# Reference: docs/operations/verdict-rules.md",
            "version = \(VerdictRules.formatVersion)",
            "",
            "[other]",
            "limit = 0",
            "reason = \(quoted("differing rows that no rule below accepts fail the cutover"))",
        ]
        lines += causeSuggestions(report)
        for table in report.tables where table.changed > 0 {
            for column in table.changedColumns where column.rows > 0 {
                lines += [""] + columnSuggestion(table: table, column)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func causeSuggestions(_ report: DiffReport) -> [String] {
        guard report.causes.isAvailable else {
            return ["", "# No cause rules: causes were unavailable (\(oneLine(report.causes.reason ?? "no event log")))."]
        }
        var lines: [String] = []
        for count in report.causes.categories where count.rows > 0 {
            let perTable = report.tables.compactMap { table -> String? in
                guard let rows = table.causes.first(where: { $0.cause == count.cause })?.rows, rows > 0 else { return nil }
                return "\(table.name) \(rows)"
            }
            lines += ["", "# \(count.cause.rawValue): \(count.rows) rows in \(count.subjects) subjects (\(perTable.joined(separator: ", "))): "
                      + oneLine(count.cause.summary)]
            let rule = ["[causes.\(count.cause.rawValue)]", "limit = \(count.rows)",
                        "reason = \(quoted(causeReason(count.cause)))"]
            if count.cause == .unexplained || count.cause == .duplicateDifferentPayload || count.cause == .changedWithoutEvents {
                lines.append("# Not suggested: these rows are what the verdict is there to catch. Uncomment only with a reason.")
                lines += rule.map { "# " + $0 }
            } else {
                lines += rule
            }
        }
        return lines
    }

    static func causeReason(_ cause: DiffCause) -> String {
        switch cause {
        case .missingEvent: "the live job has not yet applied the latest events; the limit is today's backlog"
        case .liveColumnRule: "the live upsert writes subjects.created_at from every event; the contract keeps the earliest"
        case .outOfOrder: "replayed history arrived out of event order; the rebuilt tables are right"
        case .partialBeforeCreate: "partial events arrived before their creating event; the rebuilt tables are right"
        case .duplicateDifferentPayload, .unexplained, .changedWithoutEvents: "EDIT: why is this acceptable?"
        }
    }

    static func columnSuggestion(table: TableDiff, _ column: TableDiff.ColumnChanges) -> [String] {
        let id = "[tables.\(table.name).columns.\(column.column)]"
        var header = "# \(table.name).\(column.column): \(column.rows) changed rows"
        guard let statistics = column.statistics, statistics.rowsCompared > 0 else {
            return [header + "; no numbers to base a tolerance on. If the column differs by design:",
                    "# \(id)", "# ignore = true", "# reason = \(quoted("EDIT: why this column may differ"))"]
        }
        if let largest = statistics.largestAbsoluteDifference, let relative = statistics.largestRelativeDifference {
            header += " (\(statistics.rowsCompared) with numbers on both sides); largest difference \(number(largest)), relative \(number(relative))"
            if relative <= 1e-9 {
                return [header, id, "relative = \(powerOfTen(above: relative))",
                        "reason = \(quoted("float noise: the same value written through another path differs in the last digits"))"]
            }
            return [header + ": too large to be noise. If the column differs by design:",
                    "# \(id)", "# absolute = \(powerOfTen(above: largest))", "# reason = \(quoted("EDIT: why differences this large are acceptable"))"]
        }
        let milliseconds = statistics.rowsEqualToTheMillisecond ?? 0, seconds = statistics.rowsEqualToTheSecond ?? 0
        header += "; \(statistics.rowsCompared) with times on both sides, \(milliseconds) equal to the millisecond, \(seconds) to the second"
        if milliseconds == column.rows || seconds == column.rows {
            let unit = milliseconds == column.rows ? "milliseconds" : "seconds"
            return [header, id, "precision = \(quoted(unit))",
                    "reason = \(quoted("the live job writes this timestamp with \(unit == "seconds" ? "second" : "millisecond") precision"))"]
        }
        return [header + ". If the column differs by design:",
                "# \(id)", "# ignore = true", "# reason = \(quoted("EDIT: why this column may differ"))"]
    }

    /// The smallest power of ten at or above `value` (at least 1e-15), as TOML: `1e-12`.
    static func powerOfTen(above value: Double) -> String {
        guard value > 0 else { return "1e-15" }
        let exponent = max(-15, Int(log10(value).rounded(.up)))
        return "1e\(exponent)"
    }

    static func number(_ value: Double) -> String { String(format: "%.3g", value) }

    static func quoted(_ text: String) -> String {
        "\"" + oneLine(text).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func oneLine(_ text: String) -> String {
        text.components(separatedBy: .newlines).joined(separator: " ")
    }
}
