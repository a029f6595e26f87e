import ArgumentParser
import Backfill
import Display
import Foundation
import Store

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Rebuild the lifestream tables from a range of the topic, in event-time order.",
        discussion: """
        Bounds (choose one start):
          --from-beginning       everything Kafka still retains
          --since INSTANT        records whose timestamp is at or after INSTANT
          --after MANIFEST       exactly where that earlier run ended (the nightly way)
          --after SNAPSHOT       at the offsets of a snapshot's checkpoint
        and optionally --until INSTANT (default: the current end of each partition). \
        INSTANT is RFC 3339 (2026-11-22T00:00:00Z), 'now', or relative: -24h, -90m, -7d. \
        Record timestamps are the producer's ingest time, not event time: the bounds select \
        records, and the tables are then rebuilt in event order regardless.

        What happens: the ranges are read by assignment (no consumer group is joined), every \
        record is validated (bad ones go to <target>.quarantine with a reason), valid events \
        are appended to the event log in <state-schema>, and every subject touched is refolded \
        into the nine tables. Batches commit with their progress, so a killed run resumes \
        exactly where it stopped when started again with the same bounds. Running the same \
        bounds twice changes nothing. A manifest is written to --manifest-dir.

        A run holds PostgreSQL advisory locks on its state schema and its target schema, held \
        by a transaction kept open on a connection of its own, so they hold directly and \
        through a transaction-mode PgBouncer. Another run of the state schema, and any other \
        command that writes the target (run, replay, snapshot import, cleanup-legacy, nightly, \
        embed into it), waits up to --lock-wait seconds (30), then gives up with exit 3 \
        naming the holder, having done nothing. Within the same wait a run started after a \
        killed one waits for the killed run's statements still executing on the server.

        Examples:
          backfill run --from-beginning
          backfill run --after snapshots/manifests/latest.json
          backfill run --after snapshots/nightly-20261122
          backfill run --since 2026-11-01T00:00:00Z --until 2026-11-02T00:00:00Z \\
              --target-schema lifestream
        """
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var bounds: BoundsOptions
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var lock: LockOptions

    @Option(help: "Schema the nine tables are written to: a shadow for verification, or 'lifestream' to repair the live tables.")
    var targetSchema = "lifestream_shadow"

    @Option(help: "Schema for the tool's own bookkeeping (event log, progress). Default: <target-schema>_backfill.")
    var stateSchema: String?

    @Option(help: "Where run manifests are written.")
    var manifestDir = "snapshots/manifests"

    @Option(help: "Records per ingest transaction.")
    var batchSize = 20_000

    @Option(help: "Connections the ingest uses, each reading and appending its own partitions. Above 1, materialize also uses a second connection: to read half the subjects after a bulk load, else to write every other batch.")
    var ingestWorkers = 2

    func validate() throws {
        try bounds.requireStart()
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard (1...16).contains(ingestWorkers) else { throw ValidationError("--ingest-workers must be between 1 and 16") }
        guard !targetSchema.isEmpty else { throw ValidationError("--target-schema must not be empty") }
    }

    func run() throws {
        let logger = output.makeLogger("run")
        let progress = output.makeProgress(logger)
        do {
            let runner = BackfillRunner(kafka: try kafka.configuration(), postgres: try database.configuration(), logger: logger)
            runner.onProgress = progress.backfillHandler()
            var options = RunOptions(topic: kafka.topic, target: .init(name: targetSchema),
                                     state: .init(name: stateSchema ?? StateSchema.defaultName(forTarget: targetSchema)),
                                     bounds: try bounds.bounds(), toolVersion: ToolInfo.version, manifestDirectory: manifestDir)
            options.batchSize = batchSize
            options.ingestWorkers = ingestWorkers
            options.lockWait = try lock.seconds()
            let manifest = try runner.run(options)
            progress.finish()
            if output.json {
                printJSON(try manifest.encoded())
            } else {
                print(RunSummary.text(manifest))
            }
        } catch {
            progress.finish()
            throw fail(error)
        }
    }
}

enum RunSummary {
    static func text(_ m: RunManifest) -> String {
        let c = m.counts
        let written = c.rowsWritten.values.reduce(0, +)
        var lines = [
            "run \(m.runID) → \(Display.name(m.targetSchema)) (\(String(format: "%.1f", m.durations["total"] ?? 0)) s)",
            "  records: \(c.read) read = \(c.valid) valid + \(c.duplicate) duplicate + \(c.quarantined) quarantined",
            "  subjects refolded: \(c.subjectsRefolded), events pending a creating event: \(c.pending)",
            "  rows written: \(written)" + (written == 0 ? " (nothing changed)" : ""),
        ]
        for (table, n) in c.rowsWritten.sorted(by: { $0.key < $1.key }) where n > 0 { lines.append("    \(table): \(n)") }
        for note in m.notes { lines.append("  note: \(Display.line(note))") }
        lines.append("  manifest: \(m.runID).json (next run: --after <manifest-dir>/latest.json)")
        return lines.joined(separator: "\n")
    }
}
