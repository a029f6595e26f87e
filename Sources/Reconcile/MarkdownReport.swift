import Foundation
import Store

/// The diff as Markdown, for a pull request or a chat message. Every section is its own
/// function so a cutover report can embed the ones it needs.
public enum MarkdownReport {
    public static func render(_ report: DiffReport) -> String {
        [
            "# Diff \(report.left.schema) vs \(report.right.schema): \(report.verdict.rawValue)",
            summary(report),
            sourcesTable(report),
            "## Tables\n\n" + tablesTable(report),
            report.verdictRules.map { "## Rules\n\n" + RulesRendering.markdown($0) } ?? "",
            "## Causes\n\n" + causes(report),
            "## Samples\n\n" + samples(report),
        ].filter { !$0.isEmpty }.joined(separator: "\n\n") + "\n"
    }

    /// The verdict in one paragraph.
    public static func summary(_ report: DiffReport) -> String {
        let differing = report.tables.filter { !$0.matches }.count
        let verdict: String = if let rules = report.verdictRules, report.verdict != .match {
            "**\(report.verdict == .diverged ? "Diverged" : "Within threshold")** after rules: \(report.totals.differences) differing rows "
                + "in \(differing) of \(report.tables.count) tables; \(rules.accepted) accepted by rules, \(rules.totals.remaining) left "
                + "(allowed: \(rules.everythingElse.limit))."
                + (rules.failures.isEmpty ? "" : " " + rules.failures.map { escapeInline($0) + "." }.joined(separator: " "))
        } else {
            switch report.verdict {
            case .match:
                "**Match**: " + DiffScope.matchPhrase(report)
            case .withinThreshold:
                "**Within threshold**: \(report.totals.differences) differing rows in \(differing) of \(report.tables.count) tables "
                    + "(allowed: \(report.maxDiffRows))."
            case .diverged:
                "**Diverged**: \(report.totals.differences) differing rows in \(differing) of \(report.tables.count) tables "
                    + "(allowed: \(report.maxDiffRows))."
            }
        }
        let mode = report.mode.phrase
        return verdict + "\n\n" + escapeInline((report.scope ?? .full).sentence)
            + "\n\nGenerated \(Timestamps.iso(report.generatedAt)) (\(mode), "
            + "\(ValueDisplay.duration(milliseconds: report.durationMilliseconds)))."
    }

    public static func sourcesTable(_ report: DiffReport) -> String {
        """
        | | left | right |
        |---|---|---|
        | schema | \(code(report.left.schema)) | \(code(report.right.schema)) |
        | database | \(code(report.left.database)) | \(code(report.right.database)) |
        """
    }

    /// One row per table: counts, and the columns that changed with their counts.
    public static func tablesTable(_ report: DiffReport) -> String {
        if report.verdictRules != nil { return ruledTablesTable(report) }
        var lines = [
            "| table | left rows | right rows | only left | only right | changed | changed columns |",
            "|---|--:|--:|--:|--:|--:|---|",
        ]
        for table in report.tables {
            let columns = table.changedColumns.filter { $0.rows > 0 }.map { "\($0.column) \($0.rows)" }
            lines.append("| \(cell(table.name))\(table.matches ? "" : " ✗") | \(table.leftRows) | \(table.rightRows) | "
                + "\(table.onlyLeft) | \(table.onlyRight) | \(table.changed) | \(cell(columns.joined(separator: ", "))) |")
        }
        let totals = report.totals
        lines.append("| **total** | \(totals.leftRows) | \(totals.rightRows) | \(totals.onlyLeft) | \(totals.onlyRight) | "
            + "\(totals.changed) | |")
        return lines.joined(separator: "\n")
    }

    /// With rules: the raw counts, then what the rules accepted and what is left; a changed
    /// column shows `raw→after rules` where a rule took some of its rows.
    static func ruledTablesTable(_ report: DiffReport) -> String {
        var lines = [
            "| table | left rows | right rows | only left | only right | changed | accepted | after rules | changed columns (raw→after rules) |",
            "|---|--:|--:|--:|--:|--:|--:|--:|---|",
        ]
        for table in report.tables {
            let left = table.ruled?.differences ?? table.differences
            lines.append("| \(cell(table.name))\(left == 0 ? "" : " ✗") | \(table.leftRows) | \(table.rightRows) | "
                + "\(table.onlyLeft) | \(table.onlyRight) | \(table.changed) | \(RulesRendering.accepted(table)) | \(left) | "
                + "\(cell(RulesRendering.changedColumns(table))) |")
        }
        let totals = report.totals
        let rules = report.verdictRules
        lines.append("| **total** | \(totals.leftRows) | \(totals.rightRows) | \(totals.onlyLeft) | \(totals.onlyRight) | "
            + "\(totals.changed) | \(rules?.accepted ?? 0) | \(rules?.totals.remaining ?? totals.differences) | |")
        return lines.joined(separator: "\n")
    }

    /// Counts per cause (overall and per differing table), or why there are none.
    public static func causes(_ report: DiffReport) -> String {
        let summary = report.causes
        guard summary.isAvailable else {
            return "Causes unavailable: \(escapeInline(summary.reason ?? "no event log"))."
        }
        var lines = [
            "From the event log in \(code(summary.stateSchema ?? "")). A subject with several causes counts under the first: "
                + DiffCause.allCases.map { code($0.rawValue) }.joined(separator: " > ") + ".",
            "",
            "| cause | subjects | rows | meaning |",
            "|---|--:|--:|---|",
        ]
        for count in summary.categories {
            lines.append("| \(code(count.cause.rawValue)) | \(count.subjects) | \(count.rows) | \(cell(count.cause.summary)) |")
        }
        let explained = report.tables.filter { !$0.matches && !$0.causes.isEmpty }
        if !explained.isEmpty {
            lines += ["", "Differing rows per table and cause:", "",
                      "| table | " + DiffCause.allCases.map { code($0.rawValue) }.joined(separator: " | ") + " |",
                      "|---|" + String(repeating: "--:|", count: DiffCause.allCases.count)]
            for table in explained {
                lines.append("| \(cell(table.name)) | " + table.causes.map { String($0.rows) }.joined(separator: " | ") + " |")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The sample rows of every differing table, both values side by side.
    public static func samples(_ report: DiffReport) -> String {
        let tables = report.tables.filter { !$0.samples.isEmpty }
        guard !tables.isEmpty else { return "No differing rows." }
        return tables.map(samples).joined(separator: "\n\n")
    }

    public static func samples(_ table: TableDiff) -> String {
        var parts = ["### \(cell(table.name)) (\(table.samples.count) of \(table.sampledRows) differing rows)"]
        for sample in table.samples {
            var heading = "**\(kindName(sample.kind))** \(code(ValueDisplay.key(sample.key)))"
            if let cause = sample.cause {
                heading += ": \(code(cause.rawValue))"
                if let explanation = sample.explanation { heading += ", \(escapeInline(explanation))" }
            }
            var lines = [heading, "", "| column | left | right |", "|---|---|---|"]
            let shown = sample.kind == .changed ? sample.differingValues : sample.values
            for value in shown {
                let left = sample.kind == .onlyRight ? "(no row)" : code(ValueDisplay.text(value.left))
                let right = sample.kind == .onlyLeft ? "(no row)" : code(ValueDisplay.text(value.right))
                let accepted = value.acceptedBy.map { " (accepted by \(code($0)))" } ?? ""
                lines.append("| \(cell(value.column))\(accepted) | \(left) | \(right) |")
            }
            parts.append(lines.joined(separator: "\n"))
        }
        return parts.joined(separator: "\n\n")
    }

    public static func kindName(_ kind: DifferenceKind) -> String {
        switch kind {
        case .onlyLeft: "only left"
        case .onlyRight: "only right"
        case .changed: "changed"
        }
    }

    /// A code span that survives any content inside a table cell: a fence longer than any
    /// backtick run in `text`, and pipes escaped (GitHub tables split on them even in code).
    public static func code(_ text: String) -> String {
        var longest = 0, run = 0
        for character in text {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let padded = text.hasPrefix("`") || text.hasSuffix("`") ? " \(text) " : text
        return fence + cell(padded) + fence
    }

    /// Plain text for a table cell: no line breaks, pipes escaped.
    public static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    /// Text in running prose: Markdown's active characters escaped.
    public static func escapeInline(_ text: String) -> String {
        var result = ""
        for character in text {
            if "\\`*_[]<>|#".contains(character) { result.append("\\") }
            result.append(character == "\n" ? " " : character)
        }
        return result
    }
}
