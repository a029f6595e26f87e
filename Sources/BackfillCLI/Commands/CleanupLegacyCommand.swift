import ArgumentParser
import Foundation
import LegacyCleanup

/// `backfill cleanup-legacy`: retires event_ingest_dedupe and kafka_offsets once four checks
/// prove the Flink job has taken over; a dry run unless --confirm.
struct CleanupLegacyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup-legacy",
        abstract: "Drop the older materializer's event_ingest_dedupe and kafka_offsets, once it is proven safe.",
        discussion: """
        A dry run unless --confirm: it prints the plan and four checks, each pass or fail with its numbers, \
        and changes nothing (not even files).

        1. offsets: for every (topic, partition) in kafka_offsets, the Flink group's committed offset \
        (--group) is at or past the old one: the new job has read everything the old one had.
        2. event_ids: every id in event_ingest_dedupe is known to the tool's event log \
        (<state-schema>.events); unknown ids (they may predate retention) are counted and shown, and \
        --unknown-threshold decides.
        3. cutover: <reports-dir>/cutover-latest.json says "pass" and is younger than --max-report-age; \
        without such a report a fresh diff of --schema against --target-schema runs instead. \
        --force REASON overrides this check only, and the reason is recorded.
        4. dependents: nothing else uses the tables: views, materialized views, foreign keys, rules, \
        triggers, functions or procedures that reference them. They are listed; drop them first.

        With --confirm and every check passing: both tables are exported as a verified zstd snapshot \
        to <snapshots-dir>/legacy-<time>, dropped in one transaction that first locks them and \
        re-checks that they still equal the snapshot byte for byte, and a cleanup report (Markdown + JSON) \
        is written to <reports-dir>/cleanup-<time>.* with the command that restores them:
          backfill snapshot import <snapshot> --schema lifestream --into-existing

        With --confirm it holds the schema's lock, as every command that writes a schema does: \
        a run, replay or import of --schema waits, and the cleanup waits for them (--lock-wait).

        Exit status: 0 dropped, dry run with every check passing, or nothing to do; 1 a check failed \
        (refused, the tables are untouched); 2 error; 3 another command is writing --schema.

        Examples:
          backfill cleanup-legacy
          backfill cleanup-legacy --unknown-threshold 0.1% --confirm
          backfill cleanup-legacy --force "diff explained in INC-42" --confirm
        """
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var lock: LockOptions

    @Option(help: "The live schema holding the legacy tables.")
    var schema = "lifestream"

    @Option(help: "The Flink job's consumer group, whose committed offsets must have caught up.")
    var group = "flink-materializer-v1"

    @Option(help: "The backfill's rebuild of the nine tables (the other side of a fresh diff).")
    var targetSchema = "lifestream_shadow"

    @Option(help: ArgumentHelp("The tool's event log schema. Default: <target-schema>_backfill.", valueName: "schema"))
    var stateSchema: String?

    @Option(help: ArgumentHelp("Event ids unknown to the event log that are tolerated: a count (100), a percentage (0.5%) or a fraction (0.005).", valueName: "n|p%"))
    var unknownThreshold = "0"

    @Option(help: ArgumentHelp("A cutover report older than this is not trusted and a fresh diff runs: 90m, 24h, 2d.", valueName: "age"))
    var maxReportAge = "24h"

    @Option(name: .customLong("max-diff-rows"), help: "Differing rows a fresh diff tolerates.")
    var maxDiffRows = 0

    @Option(help: ArgumentHelp("Override a failing cutover check (only that one); the reason is recorded in the report.", valueName: "reason"))
    var force: String?

    @Option(help: ArgumentHelp("Seconds the drop waits for its lock on the tables before giving up.", valueName: "seconds"))
    var lockTimeout: Double = 10

    @Option(name: .customLong("reports-dir"), help: ArgumentHelp("Where cutover reports are read and the cleanup report is written.", valueName: "dir"))
    var reportsDir = "reports"

    @Option(name: .customLong("snapshots-dir"), help: ArgumentHelp("Where the snapshot of the tables is written.", valueName: "dir"))
    var snapshotsDir = "snapshots"

    @Flag(help: "Act: export, drop and report. Without it nothing is changed.")
    var confirm = false

    func validate() throws {
        _ = try threshold()
        _ = try reportAge()
        guard lockTimeout > 0 else { throw ValidationError("--lock-timeout must be positive") }
        guard maxDiffRows >= 0 else { throw ValidationError("--max-diff-rows must be 0 or more") }
        if let force, force.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--force needs a reason, which is recorded in the cleanup report")
        }
    }

    func run() throws {
        let logger = output.makeLogger("cleanup-legacy")
        let outcome: CleanupOutcome
        do {
            var request = CleanupRequest(postgres: try database.configuration(), kafka: try kafka.configuration(),
                                         targetSchema: targetSchema, stateSchema: stateSchema)
            request.schema = schema
            request.group = group
            request.unknownThreshold = try threshold()
            request.maxReportAge = try reportAge()
            request.maxDiffRows = maxDiffRows
            request.force = force
            request.confirm = confirm
            request.reportsDirectory = reportsDir
            request.snapshotsDirectory = snapshotsDir
            request.lockTimeout = lockTimeout
            request.writerLockWait = try lock.seconds()
            outcome = try LegacyCleanup(request: request, services: .standard(postgres: request.postgres, toolVersion: ToolInfo.version),
                                        logger: logger).run()
        } catch {
            throw fail(error)
        }
        if output.json {
            print(try CleanupRendering.json(outcome), terminator: "")
        } else {
            print(CleanupRendering.text(outcome))
        }
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }

    private func threshold() throws -> UnknownThreshold {
        do { return try UnknownThreshold(parsing: unknownThreshold) } catch { throw ValidationError("--unknown-threshold: \(error)") }
    }

    /// `90m`, `24h`, `2d`, or plain seconds.
    private func reportAge() throws -> TimeInterval {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        let text = maxReportAge.trimmingCharacters(in: .whitespaces)
        if let last = text.last, let unit = units[last], let value = Double(text.dropLast()), value >= 0 { return value * unit }
        if let value = Double(text), value >= 0 { return value }
        throw ValidationError("--max-report-age \"\(maxReportAge)\" is not an age like 90m, 24h or 2d")
    }
}
