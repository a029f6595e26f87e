import ArgumentParser
import Foundation
import Reconcile
import Store

/// `backfill diff`: compares the lifestream tables of two schemas (or databases, or a snapshot
/// and a schema), explains the differences with the event log, writes Markdown/JSON/HTML
/// reports, and exits 0 (match or within the threshold), 1 (diverged) or 2 (the diff could not run).
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare the lifestream tables of two schemas, two databases, or a snapshot and a schema, and explain the differences.",
        discussion: """
        Same database (one URL for both sides): one set-based query per table. Two databases \
        (--left-url/--right-url differ): both sides are streamed in key order and merged. \
        A snapshot (--snapshot DIR): its zstd files are streamed, checked against their \
        manifest's digests as they are read, and merged with the schema's rows (--schema or \
        --right); memory stays flat whatever the table size. Causes come from the event log \
        in the state schema of the right side's database.

        With --rules FILE (or BACKFILL_RULES) the verdict is decided after verdict rules: \
        columns ignored or compared with a tolerance or to a precision, causes accepted up to \
        a limit, a limit for everything else, each with its reason. Reports show the counts \
        raw and after the rules, and what each rule accepted (see backfill rules --help).

        Exit status: 0 match (or within --max-diff-rows / the rules), 1 diverged, 2 the diff \
        could not run (a malformed rules file too: the error names its line).

        Examples:
          backfill diff --left lifestream --right lifestream_shadow
          backfill diff --snapshot snapshots/nightly-20261122 \\
              --schema lifestream_shadow
          backfill diff --rules examples/rules.toml
        """)

    @OptionGroup var config: ConfigOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var sides: DiffSideOptions
    @OptionGroup var rules: RulesOptions

    @Option(help: ArgumentHelp("Compare this snapshot folder (the left side) with a schema instead of two schemas.", valueName: "dir"))
    var snapshot: String?

    @Option(help: ArgumentHelp("With --snapshot: the schema to compare it with (same as --right).", valueName: "schema"))
    var schema: String?

    @Option(name: .customLong("reports-dir"), help: ArgumentHelp("Where the reports are written.", valueName: "dir"))
    var reportsDir: String = "reports"

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if schema != nil && snapshot == nil {
            throw ValidationError("--schema names the schema a --snapshot is compared with; without --snapshot use --left and --right")
        }
    }

    func run() throws {
        _ = output.makeLogger("diff")
        let report: DiffReport
        let written: ReportFiles.Written
        do {
            var request = try sides.request(database: database, rightSchema: schema)
            request.snapshot = snapshot
            request.rules = try rules.load()
            request.maxDiffRowsSource = sides.maxDiffRowsSource
            report = try DiffRunner.run(request)
            written = try ReportFiles.write(report, into: URL(fileURLWithPath: reportsDir, isDirectory: true))
        } catch {
            throw fail(error)
        }
        if output.json {
            print(try JSONReport.render(report), terminator: "")
        } else {
            print(TextSummary.render(report))
            print("reports: \(written.files.map(\.path).joined(separator: ", "))")
        }
        if report.verdict.exitCode != 0 { throw ExitCode(report.verdict.exitCode) }
    }
}
