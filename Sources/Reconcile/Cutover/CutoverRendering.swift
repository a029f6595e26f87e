import Display
import Foundation
import Store

/// The cutover report as Markdown, JSON, a self-contained HTML page (inline CSS and SVG, no
/// network) and a few terminal lines. The diff's sections come from `MarkdownReport` and
/// `HTMLReport`, so a diff reads the same inside a cutover report as on its own.
public enum CutoverRendering {
    // MARK: JSON

    /// `CutoverReport` with snake_case keys, sorted and pretty-printed (shape: `CutoverReport`).
    public static func json(_ report: CutoverReport) throws -> String {
        String(decoding: try JSONReport.encoder().encode(report), as: UTF8.self) + "\n"
    }

    /// Reads a report back, refusing other format versions.
    public static func decode(_ data: Data) throws -> CutoverReport {
        struct Version: Decodable { var formatVersion: Int? }
        let version = try? JSONReport.decoder().decode(Version.self, from: data).formatVersion
        guard version == CutoverReport.currentFormatVersion else {
            throw ReconcileError(code: .unreadableReport,
                                 message: "the cutover report has format_version \(version.map(String.init) ?? "none"), "
                                    + "this tool reads \(CutoverReport.currentFormatVersion)")
        }
        do {
            return try JSONReport.decoder().decode(CutoverReport.self, from: data)
        } catch {
            throw ReconcileError(code: .unreadableReport, message: "the cutover report does not have the expected shape: \(error)")
        }
    }

    // MARK: Files

    /// Markdown, JSON and HTML into `directory` as `cutover-<time>.*` and `cutover-latest.*`.
    @discardableResult
    public static func write(_ report: CutoverReport, into directory: URL) throws -> ReportFiles.Written {
        try ReportFiles.write([("md", markdown(report)), ("json", try json(report)), ("html", html(report))],
                              prefix: "cutover", latestName: "cutover-latest", into: directory, at: report.generatedAt)
    }

    // MARK: Terminal

    public static func text(_ report: CutoverReport) -> String {
        var lines = ["cutover \(Display.name(report.diff.left.schema)) (live) vs \(Display.name(report.diff.right.schema)) (rebuilt) on \(Display.name(report.topic)): "
                     + report.verdict.rawValue.uppercased()]
        for check in report.checks { lines.append("  \(check.passed ? "ok  " : "FAIL") \(check.name): \(Display.line(check.detail))") }
        lines.append("  legacy: " + Display.line(legacySentence(report.legacy)))
        return lines.joined(separator: "\n")
    }

    static func legacySentence(_ legacy: LegacyState) -> String {
        [legacy.dedupe, legacy.offsets].map { table in
            table.exists ? "\(legacy.schema).\(table.name) \(table.rows ?? 0) rows" : "\(legacy.schema).\(table.name) absent"
        }.joined(separator: ", ")
    }

    // MARK: Markdown

    public static func markdown(_ report: CutoverReport) -> String {
        let md = MarkdownReport.self
        var parts = [
            "# Cutover \(report.diff.left.schema) vs \(report.diff.right.schema): \(report.verdict.rawValue)",
            "**\(report.verdict == .pass ? "Pass" : "Diverged")**: "
                + "\(report.checks.filter(\.passed).count) of \(report.checks.count) checks passed. "
                + "Generated \(Timestamps.iso(report.generatedAt)) in \(ValueDisplay.duration(milliseconds: report.durationMilliseconds)).",
            "## Checks\n\n| check | result | detail |\n|---|---|---|\n" + report.checks.map {
                "| \(md.code($0.name)) | \($0.passed ? "pass" : "**fail**") | \(md.cell($0.detail)) |"
            }.joined(separator: "\n"),
            "Thresholds: `--max-diff-rows \(report.thresholds.maxDiffRows)`, `--max-lag \(report.thresholds.maxLag)` "
                + "(on the live group \(md.code(report.liveGroup))).",
            "## Consumer lag on \(md.code(report.topic))\n\n" + LagText.markdown(report.lag),
            "## Tables\n\n" + md.summary(report.diff) + "\n\n" + md.sourcesTable(report.diff) + "\n\n" + md.tablesTable(report.diff),
            report.diff.verdictRules.map { "## Rules\n\n" + RulesRendering.markdown($0) } ?? "",
            "## Causes\n\n" + md.causes(report.diff),
            "## Legacy tables\n\n" + legacyMarkdown(report.legacy),
            "## Reproduce\n\n" + reproduceMarkdown(report.reproduce),
            "## Samples\n\n" + md.samples(report.diff),
        ]
        parts = parts.filter { !$0.isEmpty }
        return parts.joined(separator: "\n\n") + "\n"
    }

    static func legacyMarkdown(_ legacy: LegacyState) -> String {
        let md = MarkdownReport.self
        var lines = ["| table | exists | rows |", "|---|---|--:|"]
        for table in [legacy.dedupe, legacy.offsets] {
            lines.append("| \(md.code("\(legacy.schema).\(table.name)")) | \(table.exists ? "yes" : "no") | \(table.rows.map(String.init) ?? "–") |")
        }
        if let note = legacy.note { lines += ["", md.escapeInline(note)] }
        if !legacy.offsetRows.isEmpty {
            lines += ["", "| group | partition | legacy offset | live committed | live caught up |", "|---|--:|--:|--:|---|"]
            for row in legacy.offsetRows {
                lines.append("| \(md.code(row.consumerGroup)) | \(row.partition) | \(row.offset.map(String.init) ?? "NULL") | "
                    + "\(row.liveCommitted.map(String.init) ?? "none") | \(row.liveCaughtUp.map { $0 ? "yes" : "**no**" } ?? "–") |")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func reproduceMarkdown(_ reproduce: Reproduction) -> String {
        var lines = ["Connection strings are not written (set `DATABASE_URL`, `KAFKA_BROKERS` as for this run).", "", "```sh"]
        lines += reproduce.commands
        lines.append("```")
        if let run = reproduce.run {
            lines += ["", "The right side was written by run \(MarkdownReport.code(run.runID)) into \(MarkdownReport.code(run.targetSchema)) "
                + "(manifest \(MarkdownReport.code(run.manifest))), covering these offsets of \(MarkdownReport.code(run.topic)):", "",
                "| partition | start | end |", "|--:|--:|--:|"]
            lines += run.ranges.map { "| \($0.partition) | \($0.start) | \($0.end) |" }
        }
        if let note = reproduce.note {
            lines += ["", MarkdownReport.escapeInline(note) + "."]
        }
        return lines.joined(separator: "\n")
    }

    // MARK: HTML

    public static func html(_ report: CutoverReport) -> String {
        let h = HTMLReport.self
        let verdictClass = report.verdict == .pass ? "match" : "diverged"
        var body = [
            "<h1>Cutover \(h.escape(report.diff.left.schema)) vs \(h.escape(report.diff.right.schema))</h1>",
            "<p class=\"verdict \(verdictClass)\">\(report.verdict == .pass ? "Pass" : "Diverged"): "
                + "\(report.checks.filter(\.passed).count) of \(report.checks.count) checks passed.</p>",
            "<p class=\"muted\">Generated \(h.escape(Timestamps.iso(report.generatedAt))) in "
                + "\(h.escape(ValueDisplay.duration(milliseconds: report.durationMilliseconds))). Thresholds: --max-diff-rows "
                + "\(report.thresholds.maxDiffRows), --max-lag \(report.thresholds.maxLag) on <code>\(h.escape(report.liveGroup))</code>.</p>",
            "<h2>Checks</h2>",
            "<table><tr><th>check</th><th>result</th><th>detail</th></tr>" + report.checks.map {
                "<tr\($0.passed ? "" : " class=\"differs\"")><td><code>\(h.escape($0.name))</code></td>"
                    + "<td>\($0.passed ? "pass" : "<strong>fail</strong>")</td><td>\(h.escape($0.detail))</td></tr>"
            }.joined() + "</table>",
            "<h2>Consumer lag on <code>\(h.escape(report.topic))</code></h2>",
            lagHTML(report.lag),
            "<h2>Differences per table and cause</h2>",
            h.summary(report.diff),
            DifferenceChart.svg(report.diff),
            h.sources(report.diff),
            "<h2>Tables</h2>", h.tables(report.diff),
            report.diff.verdictRules.map { "<h2>Rules</h2>\n" + RulesRendering.html($0) } ?? "",
            "<h2>Causes</h2>", h.causes(report.diff),
            "<h2>Legacy tables</h2>", legacyHTML(report.legacy),
            "<h2>Reproduce</h2>", reproduceHTML(report.reproduce),
            "<h2>Samples</h2>", h.samples(report.diff),
        ]
        body = body.filter { !$0.isEmpty }
        return h.page(title: "Cutover \(report.diff.left.schema) vs \(report.diff.right.schema): \(report.verdict.rawValue)",
                      body: body.joined(separator: "\n"))
    }

    static func lagHTML(_ lag: LagReport) -> String {
        let h = HTMLReport.self
        var head = "<tr><th class=\"n\">partition</th><th class=\"n\">low</th><th class=\"n\">high</th>"
        for group in lag.groups { head += "<th class=\"n\"><code>\(h.escape(group.group))</code> committed</th><th class=\"n\">lag</th>" }
        head += "<th>ahead</th></tr>"
        var rows = ["<table>", head]
        for partition in lag.partitions {
            var row = "<tr><td class=\"n\">\(partition.partition)</td><td class=\"n\">\(partition.lowWatermark)</td><td class=\"n\">\(partition.highWatermark)</td>"
            for position in partition.groups {
                row += "<td class=\"n\">\(position.committed.map(String.init) ?? "none")</td><td class=\"n\">\(position.lag.map(String.init) ?? "–")</td>"
            }
            rows.append(row + "<td>\(partition.ahead.map { "<code>\(h.escape($0))</code>" } ?? "level")</td></tr>")
        }
        rows.append("</table>")
        rows.append("<ul>" + lag.groups.map { "<li>\(h.escape(LagText.summary($0)))</li>" }.joined()
            + "<li>ahead overall: \(lag.ahead.map { "<code>\(h.escape($0))</code>" } ?? "level")</li></ul>")
        return rows.joined(separator: "\n")
    }

    static func legacyHTML(_ legacy: LegacyState) -> String {
        let h = HTMLReport.self
        var parts = ["<table><tr><th>table</th><th>exists</th><th class=\"n\">rows</th></tr>" + [legacy.dedupe, legacy.offsets].map {
            "<tr><td><code>\(h.escape("\(legacy.schema).\($0.name)"))</code></td><td>\($0.exists ? "yes" : "no")</td>"
                + "<td class=\"n\">\($0.rows.map(String.init) ?? "–")</td></tr>"
        }.joined() + "</table>"]
        if let note = legacy.note { parts.append("<p>\(h.escape(note))</p>") }
        if !legacy.offsetRows.isEmpty {
            parts.append("<table><tr><th>group</th><th class=\"n\">partition</th><th class=\"n\">legacy offset</th>"
                + "<th class=\"n\">live committed</th><th>live caught up</th></tr>" + legacy.offsetRows.map { row in
                    "<tr\(row.liveCaughtUp == false ? " class=\"differs\"" : "")><td><code>\(h.escape(row.consumerGroup))</code></td>"
                        + "<td class=\"n\">\(row.partition)</td><td class=\"n\">\(row.offset.map(String.init) ?? "NULL")</td>"
                        + "<td class=\"n\">\(row.liveCommitted.map(String.init) ?? "none")</td>"
                        + "<td>\(row.liveCaughtUp.map { $0 ? "yes" : "<strong>no</strong>" } ?? "–")</td></tr>"
                }.joined() + "</table>")
        }
        return parts.joined(separator: "\n")
    }

    static func reproduceHTML(_ reproduce: Reproduction) -> String {
        let h = HTMLReport.self
        var parts = ["<p class=\"muted\">Connection strings are not written (set DATABASE_URL, KAFKA_BROKERS as for this run).</p>",
                     "<pre><code>" + reproduce.commands.map(h.escape).joined(separator: "\n") + "</code></pre>"]
        if let run = reproduce.run {
            parts.append("<p>The right side was written by run <code>\(h.escape(run.runID))</code> into <code>\(h.escape(run.targetSchema))</code> "
                + "(manifest <code>\(h.escape(run.manifest))</code>), covering these offsets of <code>\(h.escape(run.topic))</code>:</p>")
            parts.append("<table><tr><th class=\"n\">partition</th><th class=\"n\">start</th><th class=\"n\">end</th></tr>"
                + run.ranges.map { "<tr><td class=\"n\">\($0.partition)</td><td class=\"n\">\($0.start)</td><td class=\"n\">\($0.end)</td></tr>" }.joined()
                + "</table>")
        }
        if let note = reproduce.note {
            parts.append("<p>\(h.escape(note)).</p>")
        }
        return parts.joined(separator: "\n")
    }
}
