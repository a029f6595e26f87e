import Display

/// The few lines `backfill diff` prints on a terminal: one row per table, the causes, the
/// verdict. Plain text, aligned for a monospace font.
public enum TextSummary {
    public static func render(_ report: DiffReport) -> String {
        var lines = ["diff \(Display.name(report.left.schema)) (\(Display.line(report.left.database))) vs \(Display.name(report.right.schema)) (\(Display.line(report.right.database))), "
                     + report.mode.phrase]
        if let scope = report.scope { lines.append("scope: " + Display.line(scope.line)) }
        let ruled = report.verdictRules != nil
        let header = ["table", "left", "right", "only-left", "only-right", "changed"] + (ruled ? ["accepted", "after-rules"] : [])
        let rows = report.tables.map { table in
            [table.name, String(table.leftRows), String(table.rightRows), String(table.onlyLeft), String(table.onlyRight), String(table.changed)]
                + (ruled ? [String(RulesRendering.accepted(table)),
                            String(table.ruled?.differences ?? table.differences)] : [])
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                return index == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
        lines.append(line(header))
        lines += rows.map(line)
        if report.causes.isAvailable {
            let counts = report.causes.categories.filter { $0.rows > 0 }.map { "\($0.cause.rawValue) \($0.subjects) subjects/\($0.rows) rows" }
            lines.append("causes: " + (counts.isEmpty ? "none needed" : counts.joined(separator: ", ")))
        } else {
            lines.append("causes: unavailable (\(Display.line(report.causes.reason ?? "no event log")))")
        }
        if let rules = report.verdictRules { lines += RulesRendering.text(rules) }
        let verdict: String = if let rules = report.verdictRules, report.verdict != .match {
            report.verdict == .diverged
                ? "diverged after rules (\(rules.failures.joined(separator: "; ")))"
                : "within threshold after rules (\(report.totals.differences) differing rows, \(rules.accepted) accepted, "
                    + "\(rules.totals.remaining) left ≤ \(rules.everythingElse.limit))"
        } else {
            switch report.verdict {
            case .match: "match"
            case .withinThreshold: "within threshold (\(report.totals.differences) differing rows, --max-diff-rows \(report.maxDiffRows))"
            case .diverged: "diverged (\(report.totals.differences) differing rows > --max-diff-rows \(report.maxDiffRows))"
            }
        }
        lines.append("verdict: \(verdict) in \(ValueDisplay.duration(milliseconds: report.durationMilliseconds))")
        return lines.joined(separator: "\n")
    }
}
