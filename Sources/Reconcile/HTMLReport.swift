import Store
/// The diff as one self-contained HTML page: inline CSS and an inline SVG chart, no scripts,
/// no fonts, no links to fetch, so it opens the same offline, in a mail, or as a CI artifact.
/// Sections are separate functions so a cutover report can assemble its own page from them.
public enum HTMLReport {
    public static func render(_ report: DiffReport) -> String {
        page(title: "Diff \(report.left.schema) vs \(report.right.schema): \(report.verdict.rawValue)", body: [
            "<h1>Diff \(escape(report.left.schema)) vs \(escape(report.right.schema))</h1>",
            summary(report),
            sources(report),
            "<h2>Differences per table and cause</h2>",
            DifferenceChart.svg(report),
            "<h2>Tables</h2>",
            tables(report),
            report.verdictRules.map { "<h2>Rules</h2>\n" + RulesRendering.html($0) } ?? "",
            "<h2>Causes</h2>",
            causes(report),
            "<h2>Samples</h2>",
            samples(report),
        ].filter { !$0.isEmpty }.joined(separator: "\n"))
    }

    /// A complete page around `body`, with the report style.
    public static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    public static let style = """
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #1d1d1f; }
        table { border-collapse: collapse; margin: .5em 0 1.5em; }
        th, td { border: 1px solid #d0d0d7; padding: .25em .6em; text-align: left; vertical-align: top; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
        code { font: 12px/1.4 ui-monospace, "SFMono-Regular", Menlo, monospace; white-space: pre-wrap; word-break: break-all; }
        .verdict { font-size: 1.2em; padding: .5em .8em; border-radius: 6px; display: inline-block; }
        .match, .within_threshold { background: #e3f6e8; } .diverged { background: #fde7e7; }
        tr.differs td:first-child { font-weight: 600; }
        td.differs { background: #fff4d6; }
        .muted { color: #6e6e73; }
        """

    public static func summary(_ report: DiffReport) -> String {
        let differing = report.tables.filter { !$0.matches }.count
        let text: String = if let rules = report.verdictRules, report.verdict != .match {
            "\(report.verdict == .diverged ? "Diverged" : "Within threshold") after rules: \(report.totals.differences) differing rows in "
                + "\(differing) of \(report.tables.count) tables; \(rules.accepted) accepted by rules, \(rules.totals.remaining) left "
                + "(allowed: \(rules.everythingElse.limit))."
        } else {
            switch report.verdict {
            case .match: "Match: " + DiffScope.matchPhrase(report)
            case .withinThreshold:
                "Within threshold: \(report.totals.differences) differing rows in \(differing) of \(report.tables.count) tables (allowed: \(report.maxDiffRows))."
            case .diverged:
                "Diverged: \(report.totals.differences) differing rows in \(differing) of \(report.tables.count) tables (allowed: \(report.maxDiffRows))."
            }
        }
        let mode = report.mode.phrase
        return "<p class=\"verdict \(report.verdict.rawValue)\">\(escape(text))</p>\n"
            + "<p>\(escape((report.scope ?? .full).sentence))</p>\n"
            + "<p class=\"muted\">Generated \(escape(Timestamps.iso(report.generatedAt))) (\(mode), "
            + "\(escape(ValueDisplay.duration(milliseconds: report.durationMilliseconds)))).</p>"
    }

    public static func sources(_ report: DiffReport) -> String {
        """
        <table>
        <tr><th></th><th>left</th><th>right</th></tr>
        <tr><th>schema</th><td><code>\(escape(report.left.schema))</code></td><td><code>\(escape(report.right.schema))</code></td></tr>
        <tr><th>database</th><td><code>\(escape(report.left.database))</code></td><td><code>\(escape(report.right.database))</code></td></tr>
        </table>
        """
    }

    public static func tables(_ report: DiffReport) -> String {
        if report.verdictRules != nil { return ruledTables(report) }
        var rows = ["<table>",
                    "<tr><th>table</th><th class=\"n\">left rows</th><th class=\"n\">right rows</th><th class=\"n\">only left</th>"
                        + "<th class=\"n\">only right</th><th class=\"n\">changed</th><th>changed columns</th></tr>"]
        for table in report.tables {
            let columns = table.changedColumns.filter { $0.rows > 0 }.map { "\($0.column) \($0.rows)" }.joined(separator: ", ")
            rows.append("<tr\(table.matches ? "" : " class=\"differs\"")><td>\(escape(table.name))</td>"
                + [table.leftRows, table.rightRows, table.onlyLeft, table.onlyRight, table.changed]
                    .map { "<td class=\"n\">\($0)</td>" }.joined()
                + "<td>\(escape(columns))</td></tr>")
        }
        let totals = report.totals
        rows.append("<tr><th>total</th>" + [totals.leftRows, totals.rightRows, totals.onlyLeft, totals.onlyRight, totals.changed]
            .map { "<th class=\"n\">\($0)</th>" }.joined() + "<th></th></tr>")
        rows.append("</table>")
        return rows.joined(separator: "\n")
    }

    /// With rules: raw counts, accepted, after rules, and `raw→after` per changed column.
    static func ruledTables(_ report: DiffReport) -> String {
        var rows = ["<table>",
                    "<tr><th>table</th><th class=\"n\">left rows</th><th class=\"n\">right rows</th><th class=\"n\">only left</th>"
                        + "<th class=\"n\">only right</th><th class=\"n\">changed</th><th class=\"n\">accepted</th>"
                        + "<th class=\"n\">after rules</th><th>changed columns (raw→after rules)</th></tr>"]
        for table in report.tables {
            let left = table.ruled?.differences ?? table.differences
            rows.append("<tr\(left == 0 ? "" : " class=\"differs\"")><td>\(escape(table.name))</td>"
                + [table.leftRows, table.rightRows, table.onlyLeft, table.onlyRight, table.changed, RulesRendering.accepted(table), left]
                    .map { "<td class=\"n\">\($0)</td>" }.joined()
                + "<td>\(escape(RulesRendering.changedColumns(table)))</td></tr>")
        }
        let totals = report.totals
        let rules = report.verdictRules
        rows.append("<tr><th>total</th>" + [totals.leftRows, totals.rightRows, totals.onlyLeft, totals.onlyRight, totals.changed,
                                           rules?.accepted ?? 0, rules?.totals.remaining ?? totals.differences]
            .map { "<th class=\"n\">\($0)</th>" }.joined() + "<th></th></tr>")
        rows.append("</table>")
        return rows.joined(separator: "\n")
    }

    public static func causes(_ report: DiffReport) -> String {
        let summary = report.causes
        guard summary.isAvailable else {
            return "<p>Causes unavailable: \(escape(summary.reason ?? "no event log")).</p>"
        }
        var rows = ["<p>From the event log in <code>\(escape(summary.stateSchema ?? ""))</code>. A subject with several causes "
                        + "counts under the first: " + DiffCause.allCases.map { "<code>\($0.rawValue)</code>" }.joined(separator: " &gt; ")
                        + ".</p>",
                    "<table>",
                    "<tr><th>cause</th><th class=\"n\">subjects</th><th class=\"n\">rows</th><th>meaning</th></tr>"]
        for count in summary.categories {
            rows.append("<tr><td><code>\(count.cause.rawValue)</code></td><td class=\"n\">\(count.subjects)</td>"
                + "<td class=\"n\">\(count.rows)</td><td>\(escape(count.cause.summary))</td></tr>")
        }
        rows.append("</table>")
        return rows.joined(separator: "\n")
    }

    public static func samples(_ report: DiffReport) -> String {
        let tables = report.tables.filter { !$0.samples.isEmpty }
        guard !tables.isEmpty else { return "<p>No differing rows.</p>" }
        var parts: [String] = []
        for table in tables {
            parts.append("<h3>\(escape(table.name)) <span class=\"muted\">(\(table.samples.count) of \(table.sampledRows) differing rows)</span></h3>")
            for sample in table.samples {
                var heading = "<p><strong>\(escape(MarkdownReport.kindName(sample.kind)))</strong> <code>\(escape(ValueDisplay.key(sample.key)))</code>"
                if let cause = sample.cause {
                    heading += ": <code>\(cause.rawValue)</code>"
                    if let explanation = sample.explanation { heading += ", \(escape(explanation))" }
                }
                parts.append(heading + "</p>")
                parts.append("<table><tr><th>column</th><th>left</th><th>right</th></tr>")
                for value in sample.values {
                    let left = sample.kind == .onlyRight ? "<span class=\"muted\">(no row)</span>"
                        : "<code>\(escape(ValueDisplay.text(value.left, limit: 400)))</code>"
                    let right = sample.kind == .onlyLeft ? "<span class=\"muted\">(no row)</span>"
                        : "<code>\(escape(ValueDisplay.text(value.right, limit: 400)))</code>"
                    let mark = value.differs && sample.kind == .changed ? " class=\"differs\"" : ""
                    let accepted = value.acceptedBy.map { " <span class=\"muted\">(accepted by <code>\(escape($0))</code>)</span>" } ?? ""
                    parts.append("<tr><td>\(escape(value.column))\(accepted)</td><td\(mark)>\(left)</td><td\(mark)>\(right)</td></tr>")
                }
                parts.append("</table>")
            }
        }
        return parts.joined(separator: "\n")
    }

    /// Text safe in element content and in double-quoted attributes.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
