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

        Incremental (--touched-since MANIFEST|SNAPSHOT|verified): only the rows of the subjects \
        with records at or after a checkpoint — a run manifest, a snapshot (its checkpoint), or \
        `verified`, the last verified point the nightly recorded for these two schemas (then \
        the subjects that differed there are compared again too). The subjects come from the \
        state schema's event log, duplicates and quarantine, and are shipped to each side as a \
        temporary table. Counts, samples, causes and rules are those of a full diff restricted \
        to those subjects; the reports say which scope was covered. A row changed outside the \
        event stream is only found by a full diff, as changed_without_events.

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
          backfill diff --touched-since snapshots/manifests/latest.json
          backfill diff --touched-since verified
        """)

    @OptionGroup var config: ConfigOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var sides: DiffSideOptions
    @OptionGroup var rules: RulesOptions

    @Option(help: ArgumentHelp("Compare this snapshot folder (the left side) with a schema instead of two schemas.", valueName: "dir"))
    var snapshot: String?

    @Option(help: ArgumentHelp("With --snapshot: the schema to compare it with (same as --right).", valueName: "schema"))
    var schema: String?

    @Option(name: .customLong("touched-since"),
            help: ArgumentHelp("Compare only the subjects with records at or after this checkpoint: a run manifest, a snapshot folder, or 'verified' (the last verified point of these two schemas).",
                               valueName: "manifest|snapshot|verified"))
    var touchedSince: String?

    @Option(name: .customLong("reports-dir"), help: ArgumentHelp("Where the reports are written.", valueName: "dir"))
    var reportsDir: String = "reports"

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if schema != nil && snapshot == nil {
            throw ValidationError("--schema names the schema a --snapshot is compared with; without --snapshot use --left and --right")
        }
        if touchedSince != nil && snapshot != nil {
            throw ValidationError("--touched-since compares two schemas; a --snapshot is read whole, so compare it without --touched-since")
        }
        if let touchedSince, touchedSince.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--touched-since needs a run manifest, a snapshot folder or 'verified'")
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
            if let touchedSince {
                let state = sides.stateSchema ?? StateSchema.defaultName(forTarget: request.right.schema)
                request.selection = touchedSince == "verified"
                    ? .sinceVerified(stateSchema: state)
                    : .touchedSince(try Checkpoint.read(path: touchedSince), stateSchema: state)
            }
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
