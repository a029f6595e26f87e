import Backfill
import Display
import Foundation
import Kafka
import Logging
import Operations
import Postgres
import Reconcile
import Snapshot
import Store

/// The nightly steps in order, each timed into the summary: lock → run → diff → reports →
/// snapshot → prune → summary and metrics. A failure stops the steps after it and becomes the
/// summary's `error` and exit code 2; the summary and metrics are still written. A night that
/// finds the lock taken writes nothing (the running night will) and reports exit code 3.
final class NightlyJob {
    let settings: EffectiveSettings
    let postgres: PostgresConfiguration
    let kafka: KafkaConfiguration
    let end: RunBounds.End
    let exportSnapshot: Bool
    let batchSize: Int
    /// How long the run waits for the shadow's locks (`RunOptions.lockWait`).
    let lockWait: Double
    let logger: Logger
    let progress: ProgressReporter
    let policy: Retention.Policy
    let maxDiffRows: Int
    let rules: VerdictRules?
    /// Incremental or full, and how often full (`--diff`, `--full-every`).
    let diffPolicy: DiffPolicy

    init(settings: EffectiveSettings, postgres: PostgresConfiguration, kafka: KafkaConfiguration, until: String?,
         snapshot: Bool, batchSize: Int, rules: VerdictRules? = nil, lockWait: Double = 30, logger: Logger, progress: ProgressReporter) throws {
        self.rules = rules
        self.settings = settings
        self.postgres = postgres
        self.kafka = kafka
        self.end = try until.map { $0 == "now" ? .latest : .timestamp(try InstantParser.parse($0)) } ?? .latest
        self.exportSnapshot = snapshot
        self.batchSize = batchSize
        self.lockWait = lockWait
        self.logger = logger
        self.progress = progress
        self.policy = Retention.Policy(keepDays: try settings.integer(.keepDays, minimum: 0), keepCount: try settings.integer(.keep, minimum: 1))
        self.maxDiffRows = try settings.integer(.maxDiffRows, minimum: 0) ?? 0
        self.diffPolicy = try settings.diffPolicy()
        try postgres.validate()
    }

    /// The nightly job's advisory lock for one shadow schema. It is distinct from the lock a
    /// `backfill run` takes on its state schema (which the night's run takes as well), so a
    /// second night is turned away at once instead of waiting for the run lock.
    static func lockKey(shadowSchema: String) -> Int64 {
        WriterLocks.nightly(shadowSchema).key
    }

    func run() -> NightlySummary {
        let started = Date()
        var summary = NightlySummary(toolVersion: ToolInfo.version, startedAt: started, topic: settings.topic,
                                     liveSchema: settings.liveSchema, shadowSchema: settings.shadowSchema)
        let lockKey = Self.lockKey(shadowSchema: settings.shadowSchema)
        let lock: AdvisoryLease
        do {
            // Held by a transaction that stays open all night (an `AdvisoryLease`): safe through
            // a transaction-mode pooler, and released when this process ends however it ends.
            // Not waited for: a second night is turned away at once.
            let acquisition = try step("lock", &summary) {
                let connection = try PostgresConnection.connect(postgres, applicationName: AdvisoryLease.holderName(job: "backfill nightly"),
                                                                applicationNameOverridesURL: true)
                return try AdvisoryLease.acquire(on: connection, key: lockKey, wait: 0)
            }
            guard case .acquired(let lease) = acquisition else {
                let holder = if case .taken(let holder, _) = acquisition { holder } else { "" }
                summary.exitCode = 3
                summary.outcome = "locked"
                summary.error = "another backfill nightly is running for shadow schema \(settings.shadowSchema)\(holder); this one did nothing"
                return summary
            }
            lock = lease
        } catch {
            fail(&summary, error)
            writeOutputs(&summary, started: started)
            return summary
        }
        defer { lock.release() }
        logger.info("nightly lock taken", metadata: ["shadow_schema": "\(settings.shadowSchema)"])

        do {
            let manifest = try runBackfill(&summary)
            let verification = try step("diff", &summary) { try diff() }
            let report = verification.outcome.report
            summary.diff = NightlySummary.Diff(verification)
            let written = try step("reports", &summary) { try ReportFiles.write(report, into: URL(fileURLWithPath: settings.reportsDir, isDirectory: true)) }
            summary.diff?.reports = written.files.map(\.path)
            // The point the next night's incremental diff starts from, whatever the verdict.
            let point = try step("record", &summary) { try nightlyDiff.record(verification, toolVersion: ToolInfo.version) }
            summary.diff?.verifiedPoint = point?.id
            if report.verdict.exitCode != 0 {
                summary.exitCode = 1
                summary.outcome = "diverged"
            }
            var protected: Set<String> = [manifestPath(manifest.runID), latestManifestPath]
            if exportSnapshot {
                let exported = try step("snapshot", &summary) { try snapshot(manifest: manifest, started: started) }
                summary.snapshot = exported
                protected.insert(exported.path)
            }
            for file in written.files { protected.insert(file.path) }
            summary.pruned = try step("prune", &summary) { try prune(protected: protected, started: started) }
        } catch {
            fail(&summary, error)
        }
        writeOutputs(&summary, started: started)
        return summary
    }

    // MARK: Steps

    private var latestManifestPath: String { (settings.manifestDir as NSString).appendingPathComponent("latest.json") }
    private func manifestPath(_ runID: String) -> String { (settings.manifestDir as NSString).appendingPathComponent("\(runID).json") }

    /// From the end offsets of the last manifest (or the beginning, the first night) to `--until`.
    private func runBackfill(_ summary: inout NightlySummary) throws -> RunManifest {
        let start = try resolveStart(&summary)
        let runner = BackfillRunner(kafka: kafka, postgres: postgres, logger: logger)
        runner.onProgress = progress.backfillHandler()
        var options = RunOptions(topic: settings.topic, target: .init(name: settings.shadowSchema), state: .init(name: settings.stateSchema),
                                 bounds: RunBounds(start: start, end: end), toolVersion: ToolInfo.version, manifestDirectory: settings.manifestDir)
        options.batchSize = batchSize
        options.lockWait = lockWait
        let began = Date()
        let manifest: RunManifest
        do {
            manifest = try runner.run(options)
        } catch var error as StoreError where error.code == .checkpointOutOfRange {
            progress.finish()
            summary.steps.append(.init(name: "run", seconds: Date().timeIntervalSince(began), status: "failed"))
            // The nightly has no start flags of its own: say how to give it a new start.
            error.message += "; for the nightly, do that with `backfill run --target-schema \(settings.shadowSchema) --state-schema \(settings.stateSchema) --manifest-dir \(settings.manifestDir)`, so that the next night starts where that run ended"
            throw error
        } catch {
            progress.finish()
            summary.steps.append(.init(name: "run", seconds: Date().timeIntervalSince(began), status: "failed"))
            throw error
        }
        progress.finish()
        for name in ["plan", "ingest", "materialize"] {
            summary.steps.append(.init(name: name, seconds: manifest.durations[name] ?? 0, status: "ok"))
        }
        let c = manifest.counts
        summary.runID = manifest.runID
        summary.events = .init(read: c.read, valid: c.valid, duplicate: c.duplicate, quarantined: c.quarantined)
        summary.pending = c.pending
        summary.rowsWritten = c.rowsWritten
        summary.notes += manifest.notes
        return manifest
    }

    /// From the end offsets of the last manifest, or the beginning on the first night.
    private func resolveStart(_ summary: inout NightlySummary) throws -> RunBounds.Start {
        if FileManager.default.fileExists(atPath: latestManifestPath) {
            let previous = try RunManifest.load(path: latestManifestPath)
            guard previous.topic == settings.topic, previous.targetSchema == settings.shadowSchema, previous.stateSchema == settings.stateSchema else {
                throw OperationsError(.configuration, "\(latestManifestPath) is the manifest of a run of topic \(previous.topic) into \(previous.targetSchema) (state \(previous.stateSchema)), not of \(settings.topic) into \(settings.shadowSchema) (state \(settings.stateSchema)); give this shadow its own BACKFILL_MANIFEST_DIR (--manifest-dir)")
            }
            let path = FileManager.default.fileExists(atPath: manifestPath(previous.runID)) ? manifestPath(previous.runID) : latestManifestPath
            summary.startedAfter = path
            logger.info("starting where the last run ended", metadata: ["manifest": "\(path)", "after_run_id": "\(previous.runID)"])
            return try .after(previous, path: path)
        }
        summary.notes.append("first night: no manifest at \(latestManifestPath), so the run starts from the beginning of the topic")
        logger.info("first night: no manifest, starting from the beginning", metadata: ["manifest_dir": "\(settings.manifestDir)"])
        return .beginning
    }

    /// Live against shadow, incremental or full as `diffPolicy` decides (`NightlyDiff`).
    private var nightlyDiff: NightlyDiff {
        var request = DiffRequest(
            left: DiffSide(configuration: postgres, schema: settings.liveSchema),
            right: DiffSide(configuration: postgres, schema: settings.shadowSchema),
            stateSchema: settings.stateSchema, maxDiffRows: maxDiffRows)
        request.rules = rules
        request.maxDiffRowsSource = settings.explicitSource(.maxDiffRows)
        return NightlyDiff(request: request, policy: diffPolicy, stateSchema: settings.stateSchema)
    }

    private func diff() throws -> NightlyDiff.Result {
        progress.begin("diff")
        logger.info("diffing live against shadow", metadata: ["live": "\(settings.liveSchema)", "shadow": "\(settings.shadowSchema)"])
        let result = try nightlyDiff.run()
        let report = result.outcome.report
        logger.info("diff scope", metadata: ["scope": "\((report.scope ?? .full).line)", "why": "\(result.decision.reason)"])
        progress.update("diff", done: Int64(report.tables.count), total: Int64(report.tables.count), unit: "tables")
        progress.finish()
        return result
    }

    private func snapshot(manifest: RunManifest, started: Date) throws -> NightlySummary.Snapshot {
        // Two nights within one second (a rerun by hand) get `-2`, `-3`, … as reports do.
        let directory = ReportFiles.firstFree((settings.snapshotsDir as NSString).appendingPathComponent("nightly-\(Timestamps.compact(started))"),
                                              isTaken: FileManager.default.fileExists(atPath:))
        let connection = try PostgresConnection.connect(postgres, applicationName: "backfill nightly snapshot")
        defer { connection.close() }
        var exporter = SnapshotExporter(connection: connection)
        let progress = self.progress
        // Called on this thread, one table after another: a plain count will do.
        var tables: Int64 = 0
        progress.begin("export")
        exporter.onTableExported = { _ in
            tables += 1
            progress.update("export", done: tables, total: nil, unit: "tables")
        }
        let checkpoint = try SnapshotManifest.Checkpoint.fromRunManifest(path: manifestPath(manifest.runID))
        let exported = try exporter.export(to: directory, options: .init(schema: settings.shadowSchema, checkpoint: checkpoint, toolVersion: ToolInfo.version))
        progress.finish()
        logger.info("snapshot exported", metadata: ["path": "\(directory)", "rows": "\(exported.totalRows)"])
        return .init(path: directory, tables: exported.tables.count, rows: exported.totalRows, compressedBytes: exported.totalCompressedBytes)
    }

    /// Deletes what `Retention.select` picks among nightly snapshots, reports, summaries and run
    /// manifests; returns the deleted paths.
    private func prune(protected: Set<String>, started: Date) throws -> [String] {
        var deleted: [String] = []
        for item in prunable(protected: protected, started: started) {
            for path in item.paths {
                do {
                    try FileManager.default.removeItem(atPath: path)
                    deleted.append(path)
                } catch {
                    throw OperationsError(.retention, "could not prune \(path): \(error.localizedDescription)")
                }
            }
        }
        if !deleted.isEmpty { logger.info("pruned old snapshots and reports, and exports that never finished", metadata: ["count": "\(deleted.count)"]) }
        return deleted
    }

    /// What the retention policy selects among the folders' nightly snapshots, reports,
    /// summaries and run manifests.
    /// `upcoming`: kinds this night will still add (a dry run adds them all), which count as the
    /// newest of their kind.
    /// Partial folders of killed exports go after a day whatever the policy.
    private func prunable(protected: Set<String>, started: Date, upcoming: [Retention.Kind] = []) -> [Retention.Item] {
        var items = Retention.partialSnapshotItems(SnapshotListing.partials(directory: settings.snapshotsDir).map { ($0.path, $0.lastWritten) })
        guard !policy.isEmpty else { return Retention.select(items, policy: policy, now: started) }
        for (folder, path) in [(Retention.Folder.snapshots, settings.snapshotsDir), (.reports, settings.reportsDir), (.manifests, settings.manifestDir)] {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { continue }
            let entries = names.map { name -> (name: String, isDirectory: Bool) in
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(name), isDirectory: &isDirectory)
                return (name, isDirectory.boolValue)
            }
            items += Retention.items(entries, in: folder, path: path)
        }
        // This night's summary is written after pruning; it counts as the newest of its kind.
        var own: Set<String> = []
        for kind in upcoming + [.nightlySummary] {
            let name = "\(kind.rawValue)-this-night"
            items.append(Retention.Item(kind: kind, name: name, date: started, paths: []))
            own.insert(name)
        }
        return Retention.select(items, policy: policy, now: started, protected: protected.union(own))
    }

    /// `--dry-run`: where the night would start, how many records it would read, and what
    /// retention would delete. Takes no lock and writes nothing.
    func dryRun() throws -> String {
        let started = Date()
        var summary = NightlySummary(toolVersion: ToolInfo.version, startedAt: started, topic: settings.topic,
                                     liveSchema: settings.liveSchema, shadowSchema: settings.shadowSchema)
        let start = try resolveStart(&summary)
        let plan = try BackfillRunner(kafka: kafka, postgres: postgres, logger: logger).plan(topic: settings.topic, bounds: RunBounds(start: start, end: end))
        var protected: Set<String> = [latestManifestPath]
        if case .checkpoint(let previous) = start, let runID = previous.runID { protected.insert(manifestPath(runID)) }
        let prune = prunable(protected: protected, started: started,
                             upcoming: [.diffReport, .manifest] + (exportSnapshot ? [.snapshot] : []))
        var lines = ["dry run: nothing is locked, run, written or deleted",
                     "  would start " + (summary.startedAfter.map { "after \($0)" } ?? "from the beginning (first night: no manifest)"),
                     "  would read \(plan.totalRecords) records of \(settings.topic) (\(plan.ranges.count) partitions) into \(settings.shadowSchema), then diff against \(settings.liveSchema)"]
        if let (decision, _) = try? nightlyDiff.decide(now: started) {
            lines.append("  would diff \(decision.full ? "in full" : "incrementally"): \(decision.reason)")
        }
        if exportSnapshot { lines.append("  would export a snapshot into \(settings.snapshotsDir)/nightly-<time>") }
        if policy.isEmpty && prune.isEmpty {
            lines.append("  retention: none set (--keep-days, --keep), nothing would be pruned")
        } else {
            lines.append("  would prune \(prune.count) item(s)" + (prune.isEmpty ? "" : ":"))
            for item in prune { lines.append("    \(item.kind.rawValue) \(Display.name(item.name)) (\(item.paths.count) path(s))") }
        }
        return lines.joined(separator: "\n")
    }

    // MARK: Bookkeeping

    /// Runs one step and records its duration and whether it succeeded.
    private func step<T>(_ name: String, _ summary: inout NightlySummary, _ body: () throws -> T) throws -> T {
        let began = Date()
        do {
            let value = try body()
            summary.steps.append(.init(name: name, seconds: Date().timeIntervalSince(began), status: "ok"))
            logger.info("step done", metadata: ["step": "\(name)", "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(began)))"])
            return value
        } catch {
            progress.finish()
            summary.steps.append(.init(name: name, seconds: Date().timeIntervalSince(began), status: "failed"))
            throw error
        }
    }

    /// A failure is exit 2, except another command holding the shadow's locks (an import, a
    /// replay, a run by hand): the night did nothing, exit 3 as for a second night, but unlike
    /// that one it writes its summary, since no running night will.
    private func fail(_ summary: inout NightlySummary, _ error: any Error) {
        let locked = error is WriterLockBusy
        summary.exitCode = locked ? 3 : 2
        summary.outcome = locked ? "locked" : "error"
        summary.error = redacted("\(error)")
        logger.error("nightly failed", metadata: ["error": "\(redacted("\(error)"))"])
    }

    /// A night that could not even start (a setting that does not parse, a missing broker list):
    /// the summary and metrics still say so, so a dashboard does not keep showing the last good night.
    static func recordFailure(_ error: any Error, settings: EffectiveSettings, logger: Logger) {
        var summary = NightlySummary(toolVersion: ToolInfo.version, startedAt: Date(), topic: settings.topic,
                                     liveSchema: settings.liveSchema, shadowSchema: settings.shadowSchema)
        summary.exitCode = 2
        summary.outcome = "error"
        summary.error = redacted("\(error)")
        if let failure = writeOutputs(&summary, started: summary.startedAt, settings: settings) {
            logger.error("the nightly summary could not be written", metadata: ["error": "\(failure)"])
        }
    }

    private func writeOutputs(_ summary: inout NightlySummary, started: Date) {
        if let failure = Self.writeOutputs(&summary, started: started, settings: settings), summary.error == nil { fail(&summary, failure) }
    }

    /// The JSON summary (timestamped and nightly-latest.json) and the Prometheus textfile;
    /// returns what could not be written.
    @discardableResult
    static func writeOutputs(_ summary: inout NightlySummary, started: Date, settings: EffectiveSettings) -> (any Error)? {
        var failure: (any Error)?
        summary.finishedAt = Date()
        do {
            let text = String(decoding: try summary.encoded(), as: UTF8.self)
            try ReportFiles.write([("json", text)], prefix: "nightly", latestName: "nightly-latest",
                                  into: URL(fileURLWithPath: settings.reportsDir, isDirectory: true), at: started)
        } catch {
            failure = error
        }
        do {
            let url = URL(fileURLWithPath: settings.metricsFile)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(PrometheusText.render(summary, now: Date()).utf8).write(to: url, options: .atomic)
        } catch {
            failure = failure ?? OperationsError(.summary, "the metrics file \(settings.metricsFile) could not be written: \(error.localizedDescription)")
        }
        return failure
    }
}
