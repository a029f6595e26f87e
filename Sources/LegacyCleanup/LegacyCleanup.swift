import Display
import Foundation
import Kafka
import Lifestream
import Logging
import Postgres
import Store

/// Retires the older materializer's `event_ingest_dedupe` and `kafka_offsets` — only with proof
/// that nothing is lost: four checks with their numbers, a verified zstd snapshot that restores
/// the tables, a drop of both in one transaction that re-checks under an ACCESS EXCLUSIVE lock
/// that the tables are byte for byte what the snapshot holds, and a report.
///
/// Without `confirm` it is a dry run: it reads, asks Kafka, and writes nothing at all.
public struct LegacyCleanup {
    public static let tables = [LifestreamTables.legacyDedupe.name, LifestreamTables.legacyOffsets.name]

    public var request: CleanupRequest
    /// The diff and the snapshot exporter the cleanup judges and archives with.
    public var services: CleanupServices
    /// Each step and each check's verdict is logged here (the CLI's progress on stderr).
    public var logger: Logger

    public init(request: CleanupRequest, services: CleanupServices, logger: Logger) {
        self.request = request
        self.services = services
        self.logger = logger
    }

    public func run(now: Date = Date()) throws -> CleanupOutcome {
        try request.validate()
        let schema = request.schema
        // Acting, it writes the schema: no run, import or replay of it meanwhile (a dry run
        // writes nothing and takes no lock). Throws `WriterLockBusy`.
        let lease = try request.confirm ? WriterLocks.acquire(
            [WriterLocks.schema(schema)],
            on: PostgresConnection.connect(request.postgres, applicationName: AdvisoryLease.holderName(job: "backfill cleanup-legacy"),
                                           applicationNameOverridesURL: true),
            wait: request.writerLockWait) : nil
        defer { lease?.release() }
        let db = try PostgresConnection.connect(request.postgres, applicationName: "backfill cleanup-legacy")
        defer { db.close() }
        guard try db.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", [.text(schema)]).rowCount > 0 else {
            throw CleanupError(code: .schemaNotFound, message: "schema \(Display.name(schema)) does not exist in this database (\(request.postgres.redactedURL)); --schema names the live schema that holds event_ingest_dedupe and kafka_offsets")
        }
        let intentPath = CleanupIntent.path(reportsDirectory: request.reportsDirectory, schema: schema)
        let intent = try CleanupIntent.read(at: intentPath)

        // 1. One consistent picture of the tables: everything the checks read, and the digests
        //    the snapshot and the drop are later held to.
        step("reading the legacy tables of \(schema)")
        let observed = try db.transaction { db -> Observation? in
            try db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return try observe(db)
        }
        var outcome = CleanupOutcome(
            generatedAt: Timestamps.iso(now), result: .nothingToDo, confirm: request.confirm, schema: schema, group: request.group,
            tables: [], checks: [], forceReason: request.force, plan: [])
        guard let observed else {
            if let intent { return try finish(intent, at: intentPath, now: now) }
            logger.info("nothing to do: neither legacy table exists", metadata: ["schema": "\(schema)"])
            if let archive = Self.archive(of: schema, in: request.snapshotsDirectory) {
                outcome.snapshot = archive
                outcome.restoreCommand = Self.restoreCommand(snapshot: archive.path, schema: schema)
            }
            return outcome
        }
        if let intent {
            // The tables are still there: the earlier run stopped before its drop committed.
            logger.info("an earlier cleanup stopped before its drop; starting over (its snapshot is kept)",
                        metadata: ["snapshot": "\(intent.outcome.snapshot?.path ?? "-")", "intent": "\(intentPath)"])
            if request.confirm { CleanupIntent.remove(at: intentPath) }
        }
        outcome.tables = observed.tables

        // 2. The checks, all of them, so the operator sees every reason at once.
        step("asking Kafka for the committed offsets of \(request.group)")
        let committed = try observed.offsets.map {
            try OffsetCheck.committed(group: request.group, for: $0, admin: KafkaAdmin(configuration: request.kafka))
        } ?? [:]
        let eventLog = SQL.qualifiedName(request.stateSchema, "events")
        let reportState = CutoverCheck.readReport(at: request.cutoverReportPath)
        var fresh: FreshDiff?
        var diffError: String?
        if !CutoverCheck.isUsable(reportState, now: now, maxAge: request.maxReportAge), request.force == nil {
            step("no current cutover report: diffing \(schema) against \(request.targetSchema)")
            do {
                fresh = try services.diff(schema, request.targetSchema, request.maxDiffRows, now)
            } catch let error as WriterLockBusy {
                throw error
            } catch {
                diffError = "\(error)"
            }
        }
        outcome.checks = [
            OffsetCheck.evaluate(rows: observed.offsets, committed: committed, group: request.group),
            EventIDCheck.evaluate(observed.eventIDs, threshold: request.unknownThreshold, eventLog: eventLog),
            CutoverCheck.evaluate(report: reportState, reportPath: request.cutoverReportPath, now: now, maxAge: request.maxReportAge,
                                  fresh: fresh, diffError: diffError, force: request.force),
            DependencyCheck.evaluate(observed.dependents, tables: observed.tables.map(\.name)),
        ]
        for check in outcome.checks {
            logger.info("check \(check.number) \(check.name): \(check.status.rawValue)", metadata: ["summary": "\(check.summary)"])
        }
        let directory = snapshotDirectory(now: now)
        let restore = Self.restoreCommand(snapshot: directory, schema: schema)
        outcome.plan = [
            "export \(observed.tables.map(\.name).joined(separator: " and ")) of \(schema) as a zstd snapshot to \(directory) and verify it",
            "in one transaction (lock_timeout \(Int(request.lockTimeout)) s): lock the tables ACCESS EXCLUSIVE, re-check that they still equal the snapshot byte for byte and that nothing depends on them, drop them",
            "write the cleanup report to \(request.reportsDirectory)/cleanup-<time>.md and .json (and cleanup-latest.*)",
            "restore, if ever needed: \(restore)",
        ]

        guard outcome.checks.allSatisfy(\.passed) else {
            outcome.result = .refused
            outcome.refusal = "check " + outcome.checks.filter { !$0.passed }.map { "\($0.number) (\($0.name))" }.joined(separator: ", ") + " failed"
            if request.confirm { try writeReport(&outcome, at: now) }
            return outcome
        }
        guard request.confirm else {
            outcome.result = .dryRunPassed
            return outcome
        }

        // 3. The snapshot, held to the digests the checks saw.
        step("exporting the tables to \(directory)")
        let manifest = try services.export(db, schema, observed.tables.map(\.name), directory)
        for table in observed.tables {
            let exported = manifest.table(named: table.name)
            guard exported?.uncompressedSHA256 == table.sha256, exported?.rows == table.rows else {
                try? FileManager.default.removeItem(atPath: directory)
                outcome.result = .refused
                outcome.refusal = "\(table.name) changed between the checks (\(table.rows) rows) and the export (\(exported?.rows ?? 0) rows); nothing was dropped, run the cleanup again"
                try writeReport(&outcome, at: now)
                return outcome
            }
        }
        step("verifying \(directory)")
        let verification = try SnapshotVerifier.verify(snapshot: directory)
        guard verification.isValid else {
            throw CleanupError(code: .snapshotInvalid, message: "the snapshot \(directory) did not verify (\(verification.problems.map(\.description).joined(separator: "; "))); nothing was dropped")
        }
        outcome.snapshot = .init(path: directory, tables: manifest.tables.map(\.name), rows: manifest.totalRows,
                                 compressedBytes: manifest.totalCompressedBytes, verified: true)
        outcome.restoreCommand = restore
        // Durable before the drop: a run that stops after the drop leaves the report it owes.
        var intended = outcome
        intended.result = .dropped
        try CleanupIntent(writtenAt: Timestamps.iso(now), database: request.postgres.redactedURL, outcome: intended).write(to: intentPath)

        // 4. The drop, all or nothing (and only while the schema's lock is still held).
        try lease?.confirm()
        step("dropping \(observed.tables.map(\.name).joined(separator: " and ")) in one transaction")
        let changed: String?
        do {
            changed = try drop(observed, on: db)
        } catch {
            let state = stateAfterFailure()
            if state.bothPresent { CleanupIntent.remove(at: intentPath) }
            throw CleanupError(code: .dropFailed, message: "dropping the tables failed: \(error); \(state.sentence). The snapshot \(directory) was written and verified")
        }
        if let changed {
            CleanupIntent.remove(at: intentPath)
            outcome.result = .refused
            outcome.refusal = changed + "; nothing was dropped (the snapshot \(directory) is kept), run the cleanup again"
            outcome.restoreCommand = nil
            try writeReport(&outcome, at: now)
            return outcome
        }
        outcome.result = .dropped
        logger.info("dropped the legacy tables", metadata: ["schema": "\(schema)", "snapshot": "\(directory)", "restore": "\(restore)"])
        do {
            try writeReport(&outcome, at: now)
        } catch {
            throw CleanupError(code: .reportNotWritten, message: "the tables were dropped and the snapshot \(directory) restores them (\(restore)), but the cleanup report could not be written: \(error); run the cleanup again to write it (\(intentPath) records what it will say)")
        }
        CleanupIntent.remove(at: intentPath)
        return outcome
    }

    /// Neither table exists and an intent does: an earlier run dropped them and stopped before
    /// its report. With --confirm the report it owed is written now; a dry run only says so.
    private func finish(_ intent: CleanupIntent, at path: String, now: Date) throws -> CleanupOutcome {
        var outcome = intent.outcome
        outcome.confirm = request.confirm
        guard request.confirm else {
            outcome.result = .nothingToDo
            outcome.note = "an earlier cleanup (\(intent.writtenAt)) dropped the tables but stopped before its report; run again with --confirm to write it"
            return outcome
        }
        outcome.note = "the tables were dropped by the cleanup of \(intent.writtenAt), which stopped before its report; this report was written by the run of \(Timestamps.iso(now))"
        logger.info("finishing the report of an earlier cleanup that dropped the tables", metadata: [
            "schema": "\(request.schema)", "snapshot": "\(outcome.snapshot?.path ?? "-")", "intent": "\(path)"])
        try writeReport(&outcome, at: now)
        CleanupIntent.remove(at: path)
        return outcome
    }

    /// The newest `legacy-*` snapshot of `schema` in `folder`, read from the manifests: where the
    /// tables of a finished cleanup went.
    static func archive(of schema: String, in folder: String) -> CleanupOutcome.SnapshotInfo? {
        let candidates = (try? SnapshotListing.list(directory: folder)) ?? []
        guard let entry = candidates.last(where: { entry in
            guard (entry.path as NSString).lastPathComponent.hasPrefix("legacy-"), let manifest = entry.manifest else { return false }
            return manifest.source.schema == schema && manifest.tables.contains { tables.contains($0.name) }
        }), let manifest = entry.manifest else { return nil }
        return .init(path: entry.path, tables: manifest.tables.map(\.name), rows: manifest.totalRows,
                     compressedBytes: manifest.totalCompressedBytes, verified: false)
    }

    // MARK: Steps

    struct Observation {
        var tables: [CleanupOutcome.TableState]
        /// nil when kafka_offsets does not exist.
        var offsets: [LegacyOffset]?
        /// nil when event_ingest_dedupe does not exist.
        var eventIDs: EventIDCounts?
        var dependents: Dependents
    }

    /// Reads everything inside the caller's (repeatable read) transaction; nil when neither table exists.
    private func observe(_ db: PostgresConnection) throws -> Observation? {
        let schema = request.schema
        var tables: [CleanupOutcome.TableState] = []
        for name in Self.tables {
            if let digest = try TableDigest.compute(table: name, schema: schema, on: db) {
                tables.append(.init(name: name, rows: digest.rows, sha256: digest.sha256))
            }
        }
        guard !tables.isEmpty else { return nil }
        let present = Set(tables.map(\.name))
        let offsets = try present.contains(LifestreamTables.legacyOffsets.name)
            ? OffsetCheck.read(SQL.qualifiedName(schema, LifestreamTables.legacyOffsets.name), on: db) : nil
        var eventIDs: EventIDCounts?
        if present.contains(LifestreamTables.legacyDedupe.name) {
            let logExists = try db.query("SELECT pg_catalog.to_regclass($1) IS NOT NULL",
                                         [.text(SQL.qualifiedName(request.stateSchema, "events"))]).scalar == "t"
            eventIDs = try EventIDCheck.read(dedupe: SQL.qualifiedName(schema, LifestreamTables.legacyDedupe.name),
                                             eventLog: logExists ? SQL.qualifiedName(request.stateSchema, "events") : nil, on: db)
        }
        let dependents = try DependencyCheck.find(schema: schema, tables: tables.map(\.name), on: db)
        return Observation(tables: tables, offsets: offsets, eventIDs: eventIDs, dependents: dependents)
    }

    /// Drops the tables in one transaction. Returns why it did not (the tables changed or gained
    /// a dependent since the checks), or nil when they are gone.
    private func drop(_ observed: Observation, on db: PostgresConnection) throws -> String? {
        struct Changed: Error { var reason: String }
        let names = observed.tables.map { SQL.qualifiedName(request.schema, $0.name) }.joined(separator: ", ")
        do {
            try db.transaction { db in
                try db.execute("SET LOCAL lock_timeout = '\(Int((request.lockTimeout * 1000).rounded()))ms'")
                try db.execute("LOCK TABLE \(names) IN ACCESS EXCLUSIVE MODE")
                for table in observed.tables {
                    let now = try TableDigest.compute(table: table.name, schema: request.schema, on: db)
                    guard now == TableDigest.Value(rows: table.rows, sha256: table.sha256) else {
                        throw Changed(reason: "\(table.name) changed after the snapshot (\(table.rows) rows then, \(now?.rows ?? 0) now)")
                    }
                }
                let dependents = try DependencyCheck.find(schema: request.schema, tables: observed.tables.map(\.name), on: db)
                guard dependents.blocking.isEmpty else {
                    throw Changed(reason: "\(dependents.blocking.joined(separator: ", ")) started depending on the tables after the checks")
                }
                try db.execute("DROP TABLE \(names)")
            }
            return nil
        } catch let changed as Changed {
            return changed.reason
        } catch let error as PostgresError where error.sqlState == "55P03" {
            throw CleanupError(code: .dropFailed, message: "the tables could not be locked within the lock timeout of \(request.lockTimeout) s: another session is using them")
        }
    }

    /// After a failed drop: what a fresh connection sees, so the error says which state we are in.
    private func stateAfterFailure() -> (sentence: String, bothPresent: Bool) {
        guard let db = try? PostgresConnection.connect(request.postgres, applicationName: "backfill cleanup-legacy") else {
            return ("the database cannot be reached to see whether the tables remain (the drop is one transaction: both or neither)", false)
        }
        defer { db.close() }
        let present = Self.tables.filter { name in
            (try? db.query("SELECT pg_catalog.to_regclass($1) IS NOT NULL", [.text(SQL.qualifiedName(request.schema, name))]).scalar) == "t"
        }
        switch present.count {
        case Self.tables.count: return ("both tables are still there, unchanged", true)
        case 0: return ("neither table exists any more", false)
        default: return ("only \(present.joined(separator: ", ")) exists", false)
        }
    }

    private func writeReport(_ outcome: inout CleanupOutcome, at date: Date) throws {
        let written = try ReportFiles.write([("md", CleanupRendering.markdown(outcome)), ("json", try CleanupRendering.json(outcome))],
                                            prefix: "cleanup", latestName: "cleanup-latest",
                                            into: URL(fileURLWithPath: request.reportsDirectory, isDirectory: true), at: date)
        outcome.reportFiles = written.files.map { (request.reportsDirectory as NSString).appendingPathComponent($0.lastPathComponent) }
    }

    private func snapshotDirectory(now: Date) -> String {
        let base = (request.snapshotsDirectory as NSString).appendingPathComponent("legacy-\(Timestamps.compact(now))")
        var candidate = base
        var attempt = 1
        while FileManager.default.fileExists(atPath: candidate) {
            attempt += 1
            candidate = "\(base)-\(attempt)"
        }
        return candidate
    }

    private func step(_ text: String) {
        logger.info("\(text)")
    }

    /// `backfill snapshot import <dir> --schema <schema> --into-existing`, quoted for a POSIX shell.
    public static func restoreCommand(snapshot: String, schema: String) -> String {
        "backfill snapshot import \(shellQuote(snapshot)) --schema \(shellQuote(schema)) --into-existing"
    }

    static func shellQuote(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_./:=@%+,".unicodeScalars.contains($0) }
        return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
