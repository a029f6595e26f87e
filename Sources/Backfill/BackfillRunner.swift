import Foundation
import Kafka
import Lifestream
import Logging
import Pipeline
import Postgres

/// Everything a run needs to know besides the connections.
public struct RunOptions: Sendable {
    public var topic: String
    public var target: TargetSchema
    public var state: StateSchema
    public var bounds: RunBounds
    public var toolVersion: String
    /// Where `<run_id>.json` and `latest.json` go.
    public var manifestDirectory: String
    public var batchSize: Int = 20_000
    public var materializeBatchSubjects: Int = 5_000
    /// A materialize batch also ends after this many bytes of its subjects' payloads (memory).
    public var materializeBatchPayloadBytes: Int = 8 << 20
    /// A bulk pass folds a subject with more events than this on its own afterwards (memory).
    public var largeSubjectEvents = 100_000
    /// Seconds to wait for the locks of the state and target schema (another run, an import, …),
    /// and then for a killed run's statements still executing on the server, before giving up
    /// (one budget for both).
    public var lockWait: Double = 30
    /// A run into an empty log and empty tables loads by plain COPY and settles duplicates once
    /// (`BulkLoad`); off, it takes the per-batch path every later run takes.
    public var allowBulkLoad = true
    /// Connections (and threads) the ingest reads and appends with, each on its own partitions.
    /// Above 1, materialize also uses a second connection: a bulk pass reads half the subjects
    /// with it, a dirty pass writes every other batch.
    public var ingestWorkers = 2

    public init(topic: String, target: TargetSchema, state: StateSchema, bounds: RunBounds, toolVersion: String, manifestDirectory: String) {
        self.topic = topic
        self.target = target
        self.state = state
        self.bounds = bounds
        self.toolVersion = toolVersion
        self.manifestDirectory = manifestDirectory
    }
}

extension RunOptions {
    /// The schemas a run creates must keep their names in PostgreSQL (`SQL.checkIdentifier`):
    /// checked before anything is locked or created.
    public func checkNames() throws {
        try SQL.checkIdentifier(target.name, role: "the target schema")
        let derived = state.name == StateSchema.defaultName(forTarget: target.name)
        try SQL.checkIdentifier(state.name, role: derived ? "the state schema <target>_backfill" : "the state schema",
                                hint: derived ? "shorten --target-schema, or name the state schema with --state-schema" : nil)
    }
}

/// Progress of a run, for a terminal bar or periodic log lines.
public enum RunProgress: Sendable {
    case planned(RunPlan, resumed: Bool)
    /// A phase begins: "ingest" or "materialize".
    case phase(String)
    case ingested(done: Int64, total: Int64)
    case materialized(subjects: Int64)
}

/// plan → pull → ingest → materialize → manifest (see design.md).
public final class BackfillRunner {
    let kafka: KafkaConfiguration
    let postgres: PostgresConfiguration
    let logger: Logger
    public var onProgress: (@Sendable (RunProgress) -> Void)?
    /// Connection attempts before giving up when PostgreSQL refuses (a restart, a failover);
    /// waits double from 0.5 s between attempts.
    public var connectAttempts = 6

    public init(kafka: KafkaConfiguration, postgres: PostgresConfiguration, logger: Logger) {
        self.kafka = kafka
        self.postgres = postgres
        self.logger = logger
    }

    public func plan(topic: String, bounds: RunBounds) throws -> RunPlan {
        try RunPlanner(admin: KafkaAdmin(configuration: kafka)).plan(topic: topic, bounds: bounds)
    }

    /// Runs (or resumes) a backfill and returns its manifest, also written to disk.
    public func run(_ options: RunOptions) throws -> RunManifest {
        let started = Date()
        var durations: [String: Double] = [:]
        func timed<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
            let t0 = ContinuousClock.now
            defer {
                let d = ContinuousClock.now - t0
                durations[phase, default: 0] += Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            }
            return try body()
        }

        try options.checkNames()
        // Nothing touches the state schema before the run lock is held and an earlier run's
        // statements have ended.
        let lease = try takeRunLock(options)
        defer { lease.release() }
        let tag = Self.applicationName(stateSchema: options.state.name)
        let db = try connect(tag)
        defer { db.close() }
        try prepareSchemas(db, options)

        let plan = try timed("plan") { try self.plan(topic: options.topic, bounds: options.bounds) }
        let (runID, resumed) = try startOrResume(db, plan: plan, options: options, tag: tag)
        onProgress?(.planned(plan, resumed: resumed))
        logger.info("run planned", metadata: [
            "run_id": "\(runID)", "records": "\(plan.totalRecords)", "partitions": "\(plan.ranges.count)", "resumed": "\(resumed)",
        ])

        if try runStatus(db, options.state, runID) == "ingesting" {
            onProgress?(.phase("ingest"))
            try timed("ingest") { try ingest(db, runID: runID, plan: plan, options: options, tag: tag) }
            try lease.confirm()
        }
        onProgress?(.phase("materialize"))
        let materialized = try timed("materialize") { try materialize(db, runID: runID, options: options, tag: tag) }
        logger.info("materialized", metadata: ["run_id": "\(runID)", "subjects": "\(materialized.subjects)"])
        try lease.confirm()

        // The manifest is written before the run is marked complete: a run killed in between is
        // resumed (nothing left to do) and writes the same manifest again, where the other order
        // would leave a complete run without its manifest and the next launch would start anew.
        var manifest = try loadManifest(db, runID: runID, plan: plan, options: options, started: started)
        manifest.status = "complete"
        manifest.durations = durations
        manifest.durations["total"] = Date().timeIntervalSince(started)
        let path = (options.manifestDirectory as NSString).appendingPathComponent("\(runID).json")
        try manifest.write(to: path)
        try manifest.write(to: (options.manifestDirectory as NSString).appendingPathComponent("latest.json"))
        try db.query("update \(options.state.table("runs")) set status = 'complete', finished_at = now() where run_id = $1", [.text(runID)])
        logger.info("manifest written", metadata: ["path": "\(path)"])
        return manifest
    }

    /// Connects one of the run's work connections, named `tag` (`applicationName(stateSchema:)`),
    /// retrying while the error is one a restart or failover explains.
    ///
    /// Staging tables live in `temp_buffers`, so the session asks for room to keep them in
    /// memory. It is the one session setting (commits skip the WAL flush with `SET LOCAL
    /// synchronous_commit` inside each batch instead), and it is only a hint: through a
    /// transaction-mode pooler whose server connection already used temporary tables at another
    /// size PostgreSQL refuses it, and the run goes on with the server's default.
    func connect(_ tag: String) throws -> PostgresConnection {
        try Self.connect(postgres, attempts: connectAttempts, logger: logger, applicationName: tag)
    }

    static func connect(_ postgres: PostgresConfiguration, attempts connectAttempts: Int, logger: Logger,
                        applicationName: String, tuned: Bool = true) throws -> PostgresConnection {
        var delay = 0.5
        for attempt in 1... {
            do {
                let connection = try PostgresConnection.connect(postgres, applicationName: applicationName, applicationNameOverridesURL: true)
                guard tuned else { return connection }
                do {
                    try connection.execute("set temp_buffers = '256MB'")
                } catch let error as PostgresError where !error.isConnectionError {
                    logger.debug("temp_buffers left at the server's default", metadata: ["reason": "\(error)"])
                }
                return connection
            } catch let error as PostgresError where error.isConnectionError && attempt < connectAttempts {
                logger.warning("PostgreSQL refused the connection; retrying", metadata: ["attempt": "\(attempt)", "wait_s": "\(delay)", "error": "\(error)"])
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 8)
            }
        }
        fatalError("unreachable")
    }

    /// Runs a batch transaction again when PostgreSQL aborted it as a deadlock victim: it rolled
    /// back whole, and its sibling has committed or will.
    static func retryingDeadlocks<T>(_ body: () throws -> T) throws -> T {
        for attempt in 1... {
            do {
                return try body()
            } catch let error as PostgresError where error.sqlState == "40P01" && attempt < 5 {
                Thread.sleep(forTimeInterval: Double.random(in: 0.01...0.1) * Double(attempt))
            }
        }
        fatalError("unreachable")
    }

    /// The run's locks (`WriterLocks`): its state schema, one run per event log, and its target
    /// schema, which no other writer (an import, a replay, a cleanup, a run with another state
    /// schema) may touch meanwhile. Held by an `AdvisoryLease` (a transaction kept open on a
    /// connection of its own, so it holds through a transaction-mode pooler too), waiting up to
    /// `lockWait` for others to finish. Then, within the same `lockWait`, the wait for an
    /// earlier, killed run's statements that the server is still executing: they would
    /// otherwise overlap this run's first batches. Throws `WriterLockBusy`.
    private func takeRunLock(_ options: RunOptions) throws -> AdvisoryLease {
        let connection = try Self.connect(postgres, attempts: connectAttempts, logger: logger,
                                          applicationName: AdvisoryLease.holderName(job: "backfill run"), tuned: false)
        let state = WriterLocks.state(options.state.name)
        return try WriterLocks.acquire(
            [state, WriterLocks.schema(options.target.name)], on: connection, wait: options.lockWait,
            workName: Self.applicationName(stateSchema: options.state.name),
            earlierJob: "an earlier backfill run against state schema \(options.state.name)"
        ) { lock, holder in
            lock == state ? "another backfill is already running against state schema \(options.state.name)\(holder)"
                : "another backfill command is writing target schema \(options.target.name)\(holder)"
        }
    }

    /// The `application_name` of every work connection of a run on `stateSchema`: how the next
    /// run finds this one's statements still executing after it was killed.
    public static func applicationName(stateSchema: String) -> String {
        ApplicationName.fitting("backfill run \(stateSchema)")
    }

    /// A stable 64-bit advisory lock key per state schema (FNV-1a): `WriterLocks.state`'s.
    public static func lockKey(_ name: String) -> Int64 {
        WriterLocks.state(name).key
    }

    private func prepareSchemas(_ db: PostgresConnection, _ options: RunOptions) throws {
        try db.execute("set client_min_messages = warning")
        // Under the run's locks, so no other writer of the target creates it meanwhile.
        try db.createIfMissing(options.target.createStatements)
        try db.createIfMissing(options.state.createStatements)
        try db.query("""
            insert into \(options.state.table("binding")) (target_schema, topic) values ($1, $2) on conflict do nothing
            """, [.text(options.target.name), .text(options.topic)])
        let binding = try db.query("select target_schema, topic from \(options.state.table("binding"))")
        guard binding[0, 0] == options.target.name, binding[0, 1] == options.topic else {
            throw BackfillError(.state, "state schema \(options.state.name) belongs to target \(binding[0, 0] ?? "?") and topic \(binding[0, 1] ?? "?"), not \(options.target.name) and \(options.topic); pass --state-schema to keep them apart")
        }
    }

    private func planJSON(_ plan: RunPlan, _ options: RunOptions) -> String {
        let ranges = plan.ranges.map { "{\"partition\":\($0.partition),\"start\":\($0.start),\"end\":\($0.end)}" }
        return "{\"topic\":\(jsonString(options.topic)),\"ranges\":[\(ranges.joined(separator: ","))]}"
    }

    /// An unfinished run with the very same ranges is resumed; any other unfinished run is
    /// abandoned (its logged events stay and are materialized by this run).
    private func startOrResume(_ db: PostgresConnection, plan: RunPlan, options: RunOptions, tag: String) throws -> (String, Bool) {
        let runs = options.state.table("runs")
        let json = planJSON(plan, options)
        let unfinished = try db.query("select run_id from \(runs) where status in ('ingesting', 'ingested') and plan = $1::jsonb order by started_at desc limit 1", [.text(json)])
        if let runID = unfinished.scalar {
            try db.query("update \(runs) set status = 'abandoned' where status in ('ingesting', 'ingested') and run_id <> $1", [.text(runID)])
            return (runID, true)
        }
        let bulkLoad = BulkLoad(state: options.state, target: options.target)
        if try BulkLoad.isLoading(state: options.state, db: db) {
            // An interrupted bulk load of other ranges: settle what it logged before anything else.
            guard let loader = try db.query("select run_id from \(runs) where bulk and status in ('ingesting', 'ingested') order by started_at desc limit 1").scalar else {
                throw BackfillError(.state, "the event log in \(options.state.name) has no primary key and no bulk load owns it; restore the key (subject_id, event_id) or rebuild the state schema")
            }
            _ = try materialize(db, runID: loader, options: options, tag: tag)
        }
        try db.query("update \(runs) set status = 'abandoned' where status in ('ingesting', 'ingested')")
        let runID = RunID.make("run")
        let status = plan.totalRecords == 0 ? "ingested" : "ingesting"
        try db.transaction { tx in
            let bulk = try options.allowBulkLoad && plan.totalRecords > 0 && BulkLoad.applies(state: options.state, target: options.target, db: tx)
            try tx.query("insert into \(runs) (run_id, plan, status, bulk) values ($1, $2::jsonb, $3, $4)",
                         [.text(runID), .text(json), .text(status), .init(bulk)])
            if bulk { try bulkLoad.begin(db: tx) }
        }
        return (runID, false)
    }

    /// Folds the dirty subjects — or, after a bulk load (a keyless log), the whole log — into the
    /// target, reading on a second connection while `db` writes.
    private func materialize(_ db: PostgresConnection, runID: String, options: RunOptions, tag: String) throws -> MaterializeCounts {
        let scope: Materializer.Scope = try BulkLoad.isLoading(state: options.state, db: db) ? .bulk : .dirty
        let reader = try connect(tag)
        defer { reader.close() }
        let materializer = Materializer(reader: reader, writer: db, state: options.state, target: options.target, runID: runID, scope: scope)
        if scope == .bulk, options.ingestWorkers > 1 { materializer.extraReaders = [try connect(tag)] }
        defer { materializer.extraReaders.forEach { $0.close() } }
        materializer.batchSubjects = options.materializeBatchSubjects
        if scope == .dirty, options.ingestWorkers > 1 {
            // A second writer takes every other batch; a small dirty set is cut into at least four
            // batches so that both have work.
            materializer.extraWriters = [try connect(tag)]
            let dirty = Int(try db.query("select count(*) from \(options.state.table("dirty_subjects"))").scalar ?? "0") ?? 0
            materializer.batchSubjects = max(1, min(options.materializeBatchSubjects, max(500, dirty / 4)))
        }
        defer { materializer.extraWriters.forEach { $0.close() } }
        materializer.batchPayloadBytes = options.materializeBatchPayloadBytes
        materializer.largeSubjectEvents = options.largeSubjectEvents
        materializer.onProgress = { [onProgress] counts in onProgress?(.materialized(subjects: counts.subjects)) }
        return try materializer.run()
    }

    private func runStatus(_ db: PostgresConnection, _ state: StateSchema, _ runID: String) throws -> String? {
        try db.query("select status from \(state.table("runs")) where run_id = $1", [.text(runID)]).scalar
    }

    private func ingest(_ db: PostgresConnection, runID: String, plan: RunPlan, options: RunOptions, tag: String) throws {
        let progress = try db.query("select partition, next_offset from \(options.state.table("run_progress")) where run_id = $1", [.text(runID)])
        var next: [Int32: Int64] = [:]
        for row in 0..<progress.rowCount { next[Int32(progress[row, 0]!)!] = Int64(progress[row, 1]!)! }
        let remaining = plan.ranges.map { r in OffsetRange(partition: r.partition, start: max(r.start, min(next[r.partition] ?? r.start, r.end)), end: r.end) }
        let bulk = try db.query("select bulk from \(options.state.table("runs")) where run_id = $1", [.text(runID)]).scalar == "t"
        // Workers on disjoint partitions: one worker's database work overlaps another's decoding.
        // A bulk load appends to a keyless log, so they cannot conflict; on the per-batch path a
        // subject whose events span partitions can make two batches wait on each other, and a
        // batch PostgreSQL picks as a deadlock victim is simply run again.
        let groups = IngestWorkers.split(remaining, into: options.ingestWorkers)
        let committed = IngestProgress(done: plan.totalRecords - remaining.reduce(0) { $0 + $1.count })
        let worker: @Sendable (_ connection: PostgresConnection, _ ranges: [OffsetRange], _ workers: PartWorkers) throws -> Void = {
            [kafka, onProgress] connection, ranges, workers in
            let ingester = Ingester(connection: connection, state: options.state, target: options.target,
                                    topic: options.topic, runID: runID, bulk: bulk)
            let reader = try RangeReader(configuration: kafka)
            // The prefetch budget is shared: a few partitions in flight in all.
            try ReadAhead.read(reader, topic: options.topic, ranges: ranges, batchSize: options.batchSize,
                               partitionsAtOnce: max(1, 4 / groups.count)) { records in
                if workers.shouldStop { throw PartWorkers.Stopped() }
                _ = try Self.retryingDeadlocks { try ingester.ingest(records) }
                onProgress?(.ingested(done: committed.add(records.count), total: plan.totalRecords))
            }
        }
        if !groups.isEmpty {
            _ = try PartWorkers.run(count: groups.count, name: "backfill-ingest") { workers in
                try worker(db, groups[0], workers)
            } other: { [postgres, connectAttempts, logger] part, workers in
                let connection = try Self.connect(postgres, attempts: connectAttempts, logger: logger, applicationName: tag)
                defer { connection.close() }
                try worker(connection, groups[part], workers)
            }
        }
        // Every range is complete (gaps such as transaction markers included): record the ends.
        try db.transaction { tx in
            try tx.query("""
                insert into \(options.state.table("run_progress")) (run_id, partition, next_offset)
                select $1, p, o from unnest($2::integer[], $3::bigint[]) as u(p, o)
                on conflict (run_id, partition) do update set next_offset = excluded.next_offset
                """, [.text(runID), .text(postgresArray(plan.ranges.map { Int64($0.partition) })), .text(postgresArray(plan.ranges.map(\.end)))])
            try tx.query("update \(options.state.table("runs")) set status = 'ingested' where run_id = $1", [.text(runID)])
        }
    }

    private func loadManifest(_ db: PostgresConnection, runID: String, plan: RunPlan, options: RunOptions, started: Date) throws -> RunManifest {
        let run = try db.query("""
            select read, valid, duplicate, quarantined, pending, subjects_refolded, status from \(options.state.table("runs")) where run_id = $1
            """, [.text(runID)])
        var counts = RunManifest.Counts()
        counts.read = Int64(run[0, 0]!)!
        counts.valid = Int64(run[0, 1]!)!
        counts.duplicate = Int64(run[0, 2]!)!
        counts.quarantined = Int64(run[0, 3]!)!
        counts.pending = Int64(run[0, 4]!)!
        counts.subjectsRefolded = Int64(run[0, 5]!)!
        for table in LifestreamTables.all { counts.rowsWritten[table.name] = 0 }
        let rows = try db.query("select table_name, rows from \(options.state.table("run_rows")) where run_id = $1", [.text(runID)])
        for row in 0..<rows.rowCount { counts.rowsWritten[rows[row, 0]!] = Int64(rows[row, 1]!)! }
        let notes = plan.notes.sorted { $0.key < $1.key }.map { "partition \($0.key): \($0.value)" }
        return RunManifest(runID: runID, toolVersion: options.toolVersion, topic: options.topic, targetSchema: options.target.name,
                           stateSchema: options.state.name, bounds: plan.bounds.summary, ranges: plan.ranges, notes: notes,
                           counts: counts, durations: [:], startedAt: started, finishedAt: Date(), status: run[0, 6] ?? "complete")
    }
}

func jsonString(_ s: String) -> String {
    var out = ""
    JSONValue.appendQuoted(s, to: &out)
    return out
}
