/// The verdict rules' part of every report — each rule, what it accepted, and its reason — so
/// a reviewer sees what was waved through and why. Shared by the diff and the cutover reports.
public enum RulesRendering {
    /// One sentence: raw, accepted, left, against what limit.
    public static func sentence(_ outcome: RulesOutcome) -> String {
        let totals = outcome.totals
        var parts = ["\(outcome.accepted) of \(totals.differences) differing rows accepted by rules"]
        if totals.acceptedByColumnRules > 0 || totals.acceptedByCauseRules > 0 {
            parts[0] += " (\(totals.acceptedByColumnRules) by column rules, \(totals.acceptedByCauseRules) by cause rules)"
        }
        let rest = outcome.everythingElse
        parts.append("\(totals.remaining) left \(rest.passed ? "≤" : ">") \(rest.limit) allowed for everything else (\(rest.setBy))")
        return parts.joined(separator: "; ")
    }

    /// A table's changed columns as `status 3, updated_at 12→0`: raw, then after the column
    /// rules where a rule took some of its rows.
    static func changedColumns(_ table: TableDiff) -> String {
        let after = Dictionary((table.ruled?.changedColumns ?? []).map { ($0.column, $0.rows) }, uniquingKeysWith: { $1 })
        return table.changedColumns.filter { $0.rows > 0 }.map { column in
            guard let rows = after[column.column], rows != column.rows else { return "\(column.column) \(column.rows)" }
            return "\(column.column) \(column.rows)→\(rows)"
        }.joined(separator: ", ")
    }

    /// Rows of `table` the rules accepted (column and cause rules).
    static func accepted(_ table: TableDiff) -> Int {
        (table.ruled?.acceptedByColumnRules ?? 0) + (table.ruled?.acceptedByCauseRules ?? 0)
    }

    static func rowsWord(_ count: Int) -> String { count == 1 ? "1 row" : "\(count) rows" }

    /// The rule's result in a word: accepted, over its limit, not applied.
    static func result(_ rule: RulesOutcome.RuleResult) -> String {
        !rule.applied ? "not applied" : rule.passed ? "accepted" : "over its limit"
    }

    static func example(_ example: RuleExample?, column: String?) -> String? {
        guard let example else { return nil }
        let values = "\(ValueDisplay.text(example.left, limit: 60)) vs \(ValueDisplay.text(example.right, limit: 60))"
        return "\(ValueDisplay.key(example.key))\(column.map { " \($0)" } ?? ""): \(values)"
    }

    // MARK: Terminal

    public static func text(_ outcome: RulesOutcome) -> [String] {
        var lines = ["rules \(outcome.file): " + sentence(outcome)]
        for rule in outcome.rules {
            let mark = !rule.applied ? "--  " : rule.passed ? "ok  " : "FAIL"
            var line = "  \(mark) \(rule.id) (line \(rule.line)) \(rule.detail): \(rowsWord(rule.rows))"
            if rule.kind == "cause", rule.applied { line += rule.passed ? " accepted" : " > limit, none accepted" }
            line += " — \(rule.reason)"
            if let note = rule.note { line += " [\(note)]" }
            lines.append(line)
        }
        return lines
    }

    // MARK: Markdown

    public static func markdown(_ outcome: RulesOutcome) -> String {
        let md = MarkdownReport.self
        var lines = [
            "Judged by \(md.code(outcome.file)) (sha256 \(md.code(String(outcome.sha256.prefix(16))))): \(md.escapeInline(sentence(outcome))).",
            "",
            "| rule | line | compares | rows | result | reason | example |",
            "|---|--:|---|--:|---|---|---|",
        ]
        for rule in outcome.rules {
            lines.append("| \(md.code(rule.id)) | \(rule.line) | \(md.cell(rule.detail)) | \(rule.rows) | "
                + "\(rule.passed ? result(rule) : "**\(result(rule))**") | \(md.cell(rule.reason)) | "
                + "\(example(rule.example, column: rule.column).map(md.code) ?? "") |")
        }
        let rest = outcome.everythingElse
        lines += ["", "Everything else: \(rowsWord(rest.rows)) \(rest.passed ? "≤" : "**>**") \(rest.limit) (\(md.escapeInline(rest.setBy)))"
            + (rest.reason.map { ": \(md.escapeInline($0))" } ?? "") + "."]
        if !outcome.failures.isEmpty {
            lines += [""] + outcome.failures.map { "- **Fails:** \(md.escapeInline($0))" }
        }
        if !outcome.notes.isEmpty {
            lines += [""] + outcome.notes.map { "- Note: \(md.escapeInline($0))" }
        }
        lines += ["", "A changed row counts under every column rule that accepted one of its differences, and is accepted "
                  + "when rules cover all of them; causes are given for the rows still differing after the column rules."]
        return lines.joined(separator: "\n")
    }

    // MARK: HTML

    public static func html(_ outcome: RulesOutcome) -> String {
        let h = HTMLReport.self
        var parts = ["<p>Judged by <code>\(h.escape(outcome.file))</code> (sha256 <code>\(h.escape(String(outcome.sha256.prefix(16))))</code>): "
                     + "\(h.escape(sentence(outcome))).</p>",
                     "<table><tr><th>rule</th><th class=\"n\">line</th><th>compares</th><th class=\"n\">rows</th><th>result</th>"
                     + "<th>reason</th><th>example</th></tr>"]
        for rule in outcome.rules {
            parts.append("<tr\(rule.passed ? "" : " class=\"differs\"")><td><code>\(h.escape(rule.id))</code></td>"
                + "<td class=\"n\">\(rule.line)</td><td>\(h.escape(rule.detail))</td><td class=\"n\">\(rule.rows)</td>"
                + "<td>\(rule.passed ? h.escape(result(rule)) : "<strong>\(h.escape(result(rule)))</strong>")</td>"
                + "<td>\(h.escape(rule.reason))</td><td>\(example(rule.example, column: rule.column).map { "<code>\(h.escape($0))</code>" } ?? "")</td></tr>")
        }
        parts.append("</table>")
        let rest = outcome.everythingElse
        parts.append("<p>Everything else: \(rowsWord(rest.rows)) \(rest.passed ? "≤" : "<strong>&gt;</strong>") \(rest.limit) "
            + "(\(h.escape(rest.setBy)))\(rest.reason.map { ": \(h.escape($0))" } ?? "").</p>")
        if !outcome.failures.isEmpty || !outcome.notes.isEmpty {
            parts.append("<ul>" + outcome.failures.map { "<li><strong>Fails:</strong> \(h.escape($0))</li>" }.joined()
                + outcome.notes.map { "<li>Note: \(h.escape($0))</li>" }.joined() + "</ul>")
        }
        parts.append("<p class=\"muted\">A changed row counts under every column rule that accepted one of its differences, and is "
                     + "accepted when rules cover all of them; causes are given for the rows still differing after the column rules.</p>")
        return parts.joined(separator: "\n")
    }
}
