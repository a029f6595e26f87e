import ArgumentParser
import Foundation
import Operations

/// `backfill nightly`: the one command for cron.
struct NightlyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly",
        abstract: "The nightly job: rebuild the shadow from where the last run ended, diff it against the live tables, report, snapshot, prune.",
        discussion: """
        Steps: take the nightly lock (a PostgreSQL advisory lock per shadow schema; a second \
        nightly exits at once with status 3) → run from the end offsets of \
        <manifest-dir>/latest.json (the first night, with no manifest, from the beginning) up \
        to --until into the shadow schema → diff live against shadow and write the reports → \
        with --snapshot, export the shadow to <snapshots-dir>/nightly-<time> → prune old \
        nightly snapshots, reports and run manifests by --keep-days/--keep (never the newest, \
        never the last run's manifests) → write <reports-dir>/nightly-latest.json (and a \
        timestamped copy) and the Prometheus textfile, and print a one-screen summary.

        Exit status: 0 all good, 1 diverged (the live tables differ from the rebuild), 2 error \
        (one sentence naming what to fix; the summary and metrics are still written), 3 another \
        nightly holds the lock (nothing is written), or another command (an import, a replay, \
        a run by hand) kept the shadow's locks for --lock-wait seconds (the summary says so).

        With --rules FILE (or BACKFILL_RULES) the diff's verdict is decided after the verdict \
        rules, and the summary shows the differing rows raw and after the rules.

        Settings come from flags, else the environment (and .env), else the config file; see \
        backfill config check.

        Examples:
          backfill nightly
          backfill nightly --snapshot --keep-days 14 --keep 7
          backfill nightly --config /etc/backfill.conf --quiet --log-format json
        """)

    @OptionGroup var config: ConfigOptions
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var settings: NightlySettingsOptions
    @OptionGroup var rules: RulesOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var lock: LockOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Stop before the first record at or after this instant (RFC 3339, 'now', -24h …). Default: now, the current end of each partition.", valueName: "instant"))
    var until: String?

    @Flag(help: "Also export the shadow schema as a snapshot (<snapshots-dir>/nightly-<time>).")
    var snapshot = false

    @Flag(help: "Show where the night would start, how many records it would read and what retention would prune; lock, run, write and delete nothing.")
    var dryRun = false

    @Option(help: "Records per ingest transaction.")
    var batchSize = 20_000

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        try BoundsOptions.checkWindow(since: nil, until: until)
    }

    func run() throws {
        let logger = output.makeLogger("nightly")
        let progress = output.makeProgress(logger)
        let effective: EffectiveSettings
        let job: NightlyJob
        do {
            effective = try EffectiveSettings(database: database, kafka: kafka, nightly: settings)
        } catch {
            throw fail(error)  // not even the reports folder is known: nothing is written
        }
        do {
            job = try NightlyJob(settings: effective, postgres: database.configuration(), kafka: kafka.configuration(),
                                 until: until, snapshot: snapshot, batchSize: batchSize, rules: rules.load(),
                                 lockWait: try lock.seconds(), logger: logger, progress: progress)
        } catch {
            if !dryRun { NightlyJob.recordFailure(error, settings: effective, logger: logger) }
            throw fail(error)
        }
        if dryRun {
            do {
                print(try job.dryRun())
                return
            } catch {
                throw fail(error)
            }
        }
        let summary = job.run()
        progress.finish()
        if summary.exitCode == 3 {
            printErrorLine(summary.error ?? "locked")
            throw ExitStatus.locked
        }
        if output.json {
            printJSON((try? summary.encoded()) ?? Data())
        } else {
            print(summary.text())
        }
        if let error = summary.error { printErrorLine(error) }
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }
}
