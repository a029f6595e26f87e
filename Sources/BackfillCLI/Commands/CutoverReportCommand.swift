import ArgumentParser
import Backfill
import Foundation
import Kafka
import Reconcile
import Store

/// `backfill cutover-report`: lag, the diff with causes, the legacy tables and thresholds in one
/// report with a verdict; exits 0 pass, 1 diverged, 2 error.
struct CutoverReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cutover-report",
        abstract: "One report for a cutover: lag, table diff with causes, legacy tables, thresholds, and a verdict.",
        discussion: """
        Checks, each with its reason in the report:
          diff            --left (live) vs --right (rebuilt): ≤ --max-diff-rows, or judged
                          by the verdict rules of --rules FILE (what each rule accepted,
                          and why, is in the report)
          lag             the --live-group has ≤ --max-lag records left to read
          legacy_offsets  the --live-group has read past <left>.kafka_offsets
        The verdict is pass when all pass, else diverged. The report also lists the legacy tables \
        (<left>.event_ingest_dedupe and <left>.kafka_offsets: present? rows), every group's lag, \
        and the commands and offsets that reproduce it (the run manifest's ranges, from --manifest).

        Written to --reports-dir as cutover-<time>.md/.json/.html and cutover-latest.*; the HTML \
        page is self-contained (inline SVG, no network). The JSON's top level always has \
        "verdict" ("pass" or "diverged") and "generated_at" (format_version 1, see docs/operations/cutover-runbook.md).

        Exit status: 0 pass, 1 diverged, 2 the report could not be made.

        Example:
          backfill cutover-report --right lifestream_shadow --max-lag 1000
        """)

    @OptionGroup var config: ConfigOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var groups: GroupOptions
    @OptionGroup var sides: DiffSideOptions
    @OptionGroup var rules: RulesOptions

    @Option(name: .customLong("live-group"), help: ArgumentHelp("The live job's consumer group, judged by --max-lag and against the legacy offsets.", valueName: "group"))
    var liveGroup: String = "flink-materializer-v1"

    @Option(name: .customLong("max-lag"), help: "Records the live group may still have to read (over all partitions).")
    var maxLag: Int64 = 0

    @Option(help: ArgumentHelp("The run manifest of the right side's tables (its ranges go into the report).", valueName: "manifest.json"))
    var manifest: String = "snapshots/manifests/latest.json"

    @Option(name: .customLong("reports-dir"), help: ArgumentHelp("Where the reports are written.", valueName: "dir"))
    var reportsDir: String = "reports"

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard maxLag >= 0 else { throw ValidationError("--max-lag must be 0 or more") }
        guard (sides.maxDiffRows ?? 0) >= 0 else { throw ValidationError("--max-diff-rows must be 0 or more") }
    }

    func run() throws {
        _ = output.makeLogger("cutover-report")  // librdkafka's lines follow --quiet and --log-format
        let report: CutoverReport
        let written: ReportFiles.Written
        do {
            var diff = try sides.request(database: database)
            diff.rules = try rules.load()
            diff.maxDiffRowsSource = sides.maxDiffRowsSource
            let request = CutoverRequest(
                diff: diff, topic: kafka.topic, groups: groups.selected,
                liveGroup: liveGroup, maxLag: maxLag, run: try runReference(), runManifestPath: manifest)
            report = try CutoverRunner.run(request, admin: try KafkaAdmin(configuration: kafka.configuration()))
            written = try CutoverRendering.write(report, into: URL(fileURLWithPath: reportsDir, isDirectory: true))
        } catch {
            throw fail(error)
        }
        if output.json {
            print(try CutoverRendering.json(report), terminator: "")
        } else {
            print(CutoverRendering.text(report))
            print("reports: \(written.files.map(\.path).joined(separator: ", "))")
            if let html = written.latest.first(where: { $0.pathExtension == "html" }) { print("open: \(html.path)") }
        }
        if report.verdict.exitCode != 0 { throw ExitCode(report.verdict.exitCode) }
    }

    /// The manifest's ranges when it exists; a manifest that exists but cannot be read is an error.
    private func runReference() throws -> RunReference? {
        guard FileManager.default.fileExists(atPath: manifest) else { return nil }
        let run = try RunManifest.load(path: manifest)
        return RunReference(manifest: manifest, runID: run.runID, topic: run.topic, targetSchema: run.targetSchema,
                            ranges: run.ranges.map { .init(partition: $0.partition, start: $0.start, end: $0.end) })
    }
}
