import Foundation
import Postgres
@testable import Reconcile
import Store
import Testing

@Suite("Report rendering")
struct ReportRenderingTests {
    static let password = "s3cret-Pässword"

    /// A report with one differing table (with hostile sample values), one matching table and causes.
    static func report(causes available: Bool = true, maxDiffRows: Int = 0) -> DiffReport {
        let left = DiffSide(configuration: PostgresConfiguration(url: "postgresql://live:\(password)@db.example:5432/app"), schema: "lifestream")
        let right = DiffSide(configuration: PostgresConfiguration(url: "postgres://shadow:\(password)@db2.example/app?sslmode=require"),
                             schema: "lifestream_shadow")
        let sample = DiffSample(
            kind: .changed,
            key: [.init(column: "subject_id", value: "l|1 `x`")],
            values: [
                .init(column: "title", left: "<script>alert(1)</script> | pipe", right: nil, differs: true),
                .init(column: "url", left: "https://a.example/x", right: "https://a.example/x", differs: false),
            ],
            cause: available ? .outOfOrder : nil,
            explanation: available ? "content.fetched e2 (partition:offset 0:7) arrived after the later link.added e1" : nil)
        let onlyLeft = DiffSample(kind: .onlyLeft, key: [.init(column: "subject_id", value: "l-2")],
                                  values: [.init(column: "title", left: "", right: nil, differs: true),
                                           .init(column: "url", left: "u", right: nil, differs: true)])
        let causeCounts = available
            ? DiffCause.allCases.map { CauseCount(cause: $0, rows: $0 == .outOfOrder ? 2 : $0 == .missingEvent ? 1 : 0,
                                                  subjects: $0 == .outOfOrder ? 1 : $0 == .missingEvent ? 1 : 0) }
            : []
        let links = TableDiff(name: "links", primaryKey: ["subject_id"], leftRows: 10, rightRows: 9, onlyLeft: 1, onlyRight: 0,
                              changed: 2, changedColumns: [.init(column: "title", rows: 2), .init(column: "url", rows: 0)],
                              samples: [sample, onlyLeft], causes: causeCounts, durationMilliseconds: 12)
        let todos = TableDiff(name: "todos", primaryKey: ["subject_id"], leftRows: 5, rightRows: 5, onlyLeft: 0, onlyRight: 0,
                              changed: 0, changedColumns: [.init(column: "title", rows: 0)])
        let summary = available
            ? CauseSummary(status: .available, stateSchema: "lifestream_shadow_backfill", categories: causeCounts)
            : .unavailable("state schema \"lifestream_shadow_backfill\" does not exist in \(right.configuration.redactedURL)")
        return DiffReport(generatedAt: Date(timeIntervalSince1970: 1_750_000_000.75), mode: .crossDatabase, left: left.source,
                          right: right.source, tables: [links, todos], causes: summary, maxDiffRows: maxDiffRows,
                          durationMilliseconds: 1234)
    }

    @Test("JSON has format_version and snake_case keys, and reads back to the same report")
    func jsonRoundTrip() throws {
        let report = Self.report()
        let json = try JSONReport.render(report)
        for key in ["\"format_version\" : 1", "\"generated_at\" : \"2025-06-15T15:06:40Z\"", "\"only_left\" : 1",
                    "\"changed_columns\"", "\"max_diff_rows\" : 0", "\"verdict\" : \"diverged\"", "\"state_schema\"",
                    "\"cause\" : \"out_of_order\"", "\"mode\" : \"cross_database\"", "\"kind\" : \"only_left\""] {
            #expect(json.contains(key), "missing \(key)")
        }
        #expect(try JSONReport.decode(Data(json.utf8)) == report)
    }

    @Test("JSON of another format version is refused, not misread")
    func jsonVersion() throws {
        let json = try JSONReport.render(Self.report()).replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 2")
        #expect(throws: ReconcileError.self) { try JSONReport.decode(Data(json.utf8)) }
        #expect(throws: ReconcileError.self) { try JSONReport.decode(Data("[1]".utf8)) }
    }

    @Test("no rendering contains the password, and the sources show the redacted URLs")
    func noPasswords() throws {
        for report in [Self.report(), Self.report(causes: false)] {
            for text in [try JSONReport.render(report), HTMLReport.render(report), MarkdownReport.render(report), TextSummary.render(report)] {
                #expect(!text.contains(Self.password))
                #expect(!text.contains("s3cret"))
                #expect(text.contains("postgresql://live:***@db.example:5432/app"))
            }
        }
    }

    @Test("the HTML page is self-contained: inline SVG chart, no scripts, no external references")
    func htmlSelfContained() {
        let html = HTMLReport.render(Self.report())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg") && html.contains("</svg>"))
        for forbidden in ["<script", "src=", "href=", "http://", "@import", "url(", "<link"] {
            #expect(!html.contains(forbidden), "found \(forbidden)")
        }
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    @Test("the chart splits bars by cause, or by kind when causes are unavailable")
    func chartSegments() {
        let withCauses = Self.report()
        let segments = DifferenceChart.segments(withCauses.tables[0], causesAvailable: true)
        #expect(segments.map(\.label) == DiffCause.allCases.map(\.rawValue))
        #expect(segments.map(\.count) == [0, 0, 0, 2, 1, 0, 0])
        let kinds = DifferenceChart.segments(Self.report(causes: false).tables[0], causesAvailable: false)
        #expect(kinds.map(\.label) == ["only_left", "only_right", "changed"])
        #expect(kinds.map(\.count) == [1, 0, 2])
        #expect(DifferenceChart.svg(withCauses).contains("<title>links: 2 out_of_order</title>"))
    }

    @Test("Markdown shows the verdict, counts, causes and samples with cells that cannot break the table")
    func markdown() {
        let markdown = MarkdownReport.render(Self.report())
        #expect(markdown.hasPrefix("# Diff lifestream vs lifestream_shadow: diverged\n"))
        #expect(markdown.contains("**Diverged**: 3 differing rows in 1 of 2 tables (allowed: 0)."))
        #expect(markdown.contains("| links ✗ | 10 | 9 | 1 | 0 | 2 | title 2 |"))
        #expect(markdown.contains("| `out_of_order` | 1 | 2 |"))
        #expect(markdown.contains("| title | `\"<script>alert(1)</script> \\| pipe\"` | `NULL` |"))
        #expect(markdown.contains("``subject_id = \"l\\|1 `x`\"``"))
        #expect(markdown.contains("| title | `\"\"` | (no row) |"))
        #expect(MarkdownReport.render(Self.report(causes: false)).contains("Causes unavailable: state schema"))
        // Every table row has the same number of unescaped pipes as its header.
        for line in markdown.split(separator: "\n") where line.hasPrefix("| title |") {
            #expect(line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count == 4)
        }
    }

    @Test("values show NULL, empty text and the text NULL differently, with invisible characters escaped")
    func valueDisplay() {
        #expect(ValueDisplay.text(nil) == "NULL")
        #expect(ValueDisplay.text("") == "\"\"")
        #expect(ValueDisplay.text("NULL") == "\"NULL\"")
        #expect(ValueDisplay.text("a\tb\nc\"d\\\u{1}") == "\"a\\tb\\nc\\\"d\\\\\\u{1}\"")
        #expect(ValueDisplay.text("漢字🦀", limit: 2) == "\"漢字\"…")
        #expect(ValueDisplay.duration(milliseconds: 1234) == "1.23 s")
        #expect(ValueDisplay.duration(milliseconds: 5) == "0.01 s")
    }

    @Test("the verdict follows the threshold and maps to exit codes 0 and 1")
    func verdicts() {
        #expect(DiffVerdict.judge(differences: 0, maxDiffRows: 0) == .match)
        #expect(DiffVerdict.judge(differences: 3, maxDiffRows: 3) == .withinThreshold)
        #expect(DiffVerdict.judge(differences: 4, maxDiffRows: 3) == .diverged)
        #expect(Self.report(maxDiffRows: 3).verdict == .withinThreshold)
        #expect(Self.report(maxDiffRows: 2).verdict == .diverged)
        #expect([DiffVerdict.match, .withinThreshold, .diverged].map(\.exitCode) == [0, 0, 1])
        #expect(Self.report().totals == DiffTotals(Self.report().tables))
        #expect(Self.report().totals.differences == 3)
    }

    @Test("the terminal summary has one aligned row per table and the verdict")
    func textSummary() {
        let lines = TextSummary.render(Self.report()).split(separator: "\n").map(String.init)
        #expect(lines[1] == "table  left  right  only-left  only-right  changed")
        #expect(lines[2] == "links    10      9          1           0        2")
        #expect(lines[3] == "todos     5      5          0           0        0")
        #expect(lines[4] == "causes: out_of_order 1 subjects/2 rows, missing_event 1 subjects/1 rows")
        #expect(lines[5] == "verdict: diverged (3 differing rows > --max-diff-rows 0) in 1.23 s")
    }

    @Test("report files get a UTC timestamp, latest copies, and never overwrite an earlier run")
    func files() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = Self.report()
        let first = try ReportFiles.write(report, into: directory)
        #expect(first.files.map(\.lastPathComponent) == ["diff-20250615T150640Z.md", "diff-20250615T150640Z.json", "diff-20250615T150640Z.html"])
        #expect(first.latest.map(\.lastPathComponent) == ["latest.md", "latest.json", "latest.html"])
        let second = try ReportFiles.write(report, into: directory)
        #expect(second.files.map(\.lastPathComponent) == ["diff-20250615T150640Z-2.md", "diff-20250615T150640Z-2.json", "diff-20250615T150640Z-2.html"])
        for (file, latest) in zip(second.files, second.latest) {
            #expect(try Data(contentsOf: file) == Data(contentsOf: latest))
        }
        #expect(try JSONReport.decode(Data(contentsOf: first.files[1])) == report)
    }
}
