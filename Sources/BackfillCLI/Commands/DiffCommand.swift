import ArgumentParser
import Backfill
import Foundation
import Postgres
import Reconcile

/// `backfill diff`: compares the lifestream tables of two schemas (or databases), explains the
/// differences with the event log, writes Markdown/JSON/HTML reports, and exits 0 (match or
/// within the threshold), 1 (diverged) or 2 (the diff could not run).
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare the lifestream tables of two schemas or databases and explain the differences.",
        discussion: """
        Same database (one URL for both sides): one set-based query per table. Two databases
        (--left-url/--right-url differ): both sides are streamed in key order and merged.
        Causes come from the event log in the state schema of the right side's database.

        Exit status: 0 match (or within --max-diff-rows), 1 diverged, 2 the diff could not run.
        """)

    @OptionGroup var config: ConfigOptions
    @OptionGroup var database: DatabaseOptions

    @Option(help: "Schema of the left side (usually the live tables).")
    var left: String = "lifestream"

    @Option(help: "Schema of the right side (usually the backfill's shadow).")
    var right: String = "lifestream_shadow"

    @Option(name: .customLong("left-url"), help: ArgumentHelp("Database of the left side. Default: --database-url.", valueName: "url"))
    var leftURL: String?

    @Option(name: .customLong("right-url"), help: ArgumentHelp("Database of the right side. Default: --database-url.", valueName: "url"))
    var rightURL: String?

    @Option(help: ArgumentHelp("Only these tables (comma-separated).", valueName: "table,…"))
    var tables: String?

    @Option(help: "Sample rows shown per table.")
    var samples: Int = 5

    @Option(name: .customLong("state-schema"),
            help: ArgumentHelp("Schema of the event log used to explain differences. Default: <right>_backfill.", valueName: "schema"))
    var stateSchema: String?

    @Flag(name: .customLong("no-causes"), help: "Skip the cause analysis.")
    var noCauses = false

    @Option(name: .customLong("max-diff-rows"), help: "Differing rows (all tables) tolerated before the verdict is diverged.")
    var maxDiffRows: Int = 0

    @Option(name: .customLong("reports-dir"), help: ArgumentHelp("Where the reports are written.", valueName: "dir"))
    var reportsDir: String = "reports"

    @Flag(help: "Print the JSON report to stdout instead of the summary.")
    var json = false

    @Flag(help: "Stream and merge-join even when both sides are in one database.")
    var streaming = false

    func run() throws {
        let report: DiffReport
        let written: ReportFiles.Written
        do {
            report = try DiffRunner.run(try request())
            written = try ReportFiles.write(report, into: URL(fileURLWithPath: reportsDir, isDirectory: true))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if json {
            print(try JSONReport.render(report), terminator: "")
        } else {
            print(TextSummary.render(report))
            print("reports: \(written.files.map(\.path).joined(separator: ", "))")
        }
        if report.verdict.exitCode != 0 { throw ExitCode(report.verdict.exitCode) }
    }

    private func request() throws -> DiffRequest {
        // DATABASE_URL is only needed for a side without its own URL.
        let fallback = leftURL == nil || rightURL == nil ? try database.configuration() : nil
        let leftConfiguration = leftURL.map(PostgresConfiguration.init(url:)) ?? fallback!
        let rightConfiguration = rightURL.map(PostgresConfiguration.init(url:)) ?? fallback!
        try leftConfiguration.validate()
        try rightConfiguration.validate()
        let names = tables?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return DiffRequest(
            left: DiffSide(configuration: leftConfiguration, schema: left),
            right: DiffSide(configuration: rightConfiguration, schema: right),
            tables: try names.map { try TableSpec.select($0) } ?? TableSpec.lifestream,
            sampleLimit: samples,
            stateSchema: noCauses ? nil : stateSchema ?? StateSchema.defaultName(forTarget: right),
            maxDiffRows: maxDiffRows,
            forceStreaming: streaming)
    }
}
