import Foundation
import Kafka
import Lifestream
import Logging
import Postgres
import Store

/// plan → pull → ingest → materialize → manifest (see docs/architecture.md): the run's state
/// machine over the parts that do the work — `RunLock`, `RunLedger`, `RunIngest`, `Materializer`.
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

    var connector: Connector { Connector(postgres: postgres, attempts: connectAttempts, logger: logger) }

    public func plan(topic: String, bounds: RunBounds) throws -> RunPlan {
        try RunPlanner(admin: KafkaAdmin(configuration: kafka)).plan(topic: topic, bounds: bounds)
    }

    /// Runs (or resumes) a backfill and returns its manifest, also written to disk.
    public func run(_ options: RunOptions) throws -> RunManifest {
        let started = Date()
        var durations = PhaseDurations()
        try options.checkNames()
        // Nothing touches the state schema before the run lock is held and an earlier run's
        // statements have ended.
        let lease = try RunLock.take(state: options.state, target: options.target, wait: options.lockWait, connector: connector)
        defer { lease.release() }
        let tag = RunLock.applicationName(stateSchema: options.state.name)
        let db = try connector.connect(tag)
        defer { db.close() }
        try prepareSchemas(db, options)
        let ledger = RunLedger(state: options.state)

        let plan = try durations.time("plan") { try self.plan(topic: options.topic, bounds: options.bounds) }
        let (runID, resumed) = try startOrResume(db, plan: plan, options: options, tag: tag)
        onProgress?(.planned(plan, resumed: resumed))
        logger.info("run planned", metadata: [
            "run_id": "\(runID)", "records": "\(plan.totalRecords)", "partitions": "\(plan.ranges.count)", "resumed": "\(resumed)",
        ])

        if try ledger.record(runID, db: db).status == .ingesting {
            onProgress?(.phase("ingest"))
            try durations.time("ingest") {
                try RunIngest(kafka: kafka, connector: connector, options: options, runID: runID, tag: tag, onProgress: onProgress)
                    .ingest(plan, db: db)
            }
            try lease.confirm()
        }
        onProgress?(.phase("materialize"))
        let materialized = try durations.time("materialize") { try materialize(db, runID: runID, options: options, tag: tag) }
        logger.info("materialized", metadata: ["run_id": "\(runID)", "subjects": "\(materialized.subjects)"])
        try lease.confirm()

        // The manifest is written before the run is marked complete: a run killed in between is
        // resumed (nothing left to do) and writes the same manifest again, where the other order
        // would leave a complete run without its manifest and the next launch would start anew.
        var manifest = try RunManifest(ledger.record(runID, db: db), rowsWritten: ledger.rowsWritten(runID, db: db), plan: plan,
                                       options: options, started: started)
        manifest.durations = durations.seconds
        manifest.durations["total"] = Date().timeIntervalSince(started)
        let path = (options.manifestDirectory as NSString).appendingPathComponent("\(runID).json")
        try manifest.write(to: path)
        try manifest.write(to: (options.manifestDirectory as NSString).appendingPathComponent("latest.json"))
        try ledger.markComplete(runID, db: db)
        logger.info("manifest written", metadata: ["path": "\(path)"])
        return manifest
    }

    /// Creates the target's tables and the state schema, or brings the state schema's layout up
    /// to date (`StateSchema.migrate`), under the run's locks; then checks that the state belongs
    /// to this target and topic.
    private func prepareSchemas(_ db: PostgresConnection, _ options: RunOptions) throws {
        try db.execute("set client_min_messages = warning")
        try db.createIfMissing(options.target.createStatements)
        let migration = try options.state.migrate(on: db, toolVersion: options.toolVersion)
        if !migration.applied.isEmpty, migration.from != .absent {
            logger.info("state schema migrated", metadata: [
                "state_schema": "\(options.state.name)", "from": "\(migration.from)", "to": "\(migration.applied.last!)"])
        }
        let binding = try options.state.bind(target: options.target.name, topic: options.topic, db: db)
        guard binding.target == options.target.name, binding.topic == options.topic else {
            throw BackfillError(.state, "state schema \(options.state.name) belongs to target \(binding.target) and topic \(binding.topic), not \(options.target.name) and \(options.topic); pass --state-schema to keep them apart")
        }
    }

    /// An unfinished run with the very same ranges is resumed; any other unfinished run is
    /// abandoned (its logged events stay and are materialized by this run).
    private func startOrResume(_ db: PostgresConnection, plan: RunPlan, options: RunOptions, tag: String) throws -> (String, Bool) {
        let ledger = RunLedger(state: options.state)
        let planned = PlannedRanges(topic: options.topic, ranges: plan.ranges)
        if let runID = try ledger.unfinished(with: planned, db: db) {
            try ledger.abandonUnfinished(except: runID, db: db)
            return (runID, true)
        }
        let bulkLoad = BulkLoad(state: options.state, target: options.target)
        if try BulkLoad.isLoading(state: options.state, db: db) {
            // An interrupted bulk load of other ranges: settle what it logged before anything else.
            guard let loader = try ledger.unfinishedBulkLoad(db: db) else {
                throw BackfillError(.state, "the event log in \(options.state.name) has no primary key and no bulk load owns it; restore the key (subject_id, event_id) or rebuild the state schema")
            }
            _ = try materialize(db, runID: loader, options: options, tag: tag)
        }
        try ledger.abandonUnfinished(db: db)
        let runID = RunID.make("run")
        try db.transaction { tx in
            let bulk = try options.allowBulkLoad && plan.totalRecords > 0 && BulkLoad.applies(state: options.state, target: options.target, db: tx)
            try ledger.insert(runID, plan: planned, status: plan.totalRecords == 0 ? .ingested : .ingesting, bulk: bulk, db: tx)
            if bulk { try bulkLoad.begin(db: tx) }
        }
        return (runID, false)
    }

    /// Folds the dirty subjects — or, after a bulk load (a keyless log), the whole log — into the
    /// target, reading on a second connection while `db` writes.
    private func materialize(_ db: PostgresConnection, runID: String, options: RunOptions, tag: String) throws -> MaterializeCounts {
        let scope: Materializer.Scope = try BulkLoad.isLoading(state: options.state, db: db) ? .bulk : .dirty
        let reader = try connector.connect(tag)
        defer { reader.close() }
        let materializer = Materializer(reader: reader, writer: db, state: options.state, target: options.target, runID: runID, scope: scope)
        if scope == .bulk, options.ingestWorkers > 1 { materializer.extraReaders = [try connector.connect(tag)] }
        defer { materializer.extraReaders.forEach { $0.close() } }
        materializer.batchSubjects = options.materializeBatchSubjects
        if scope == .dirty, options.ingestWorkers > 1 {
            // A second writer takes every other batch; a small dirty set is cut into at least four
            // batches so that both have work.
            materializer.extraWriters = [try connector.connect(tag)]
            let dirty = try db.query("select count(*) as dirty from \(options.state.table("dirty_subjects"))").single().decode("dirty", as: Int.self)
            materializer.batchSubjects = max(1, min(options.materializeBatchSubjects, max(500, dirty / 4)))
        }
        defer { materializer.extraWriters.forEach { $0.close() } }
        materializer.batchPayloadBytes = options.materializeBatchPayloadBytes
        materializer.largeSubjectEvents = options.largeSubjectEvents
        materializer.onProgress = { [onProgress] counts in onProgress?(.materialized(subjects: counts.subjects)) }
        return try materializer.run()
    }
}

/// Seconds spent per phase of a run, for its manifest.
struct PhaseDurations {
    private(set) var seconds: [String: Double] = [:]

    mutating func time<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - start
            seconds[phase, default: 0] += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        return try body()
    }
}

extension RunManifest {
    /// A run's manifest from what the ledger holds (counts, rows written) and the plan it ran.
    init(_ run: RunRecord, rowsWritten: [String: Int64], plan: RunPlan, options: RunOptions, started: Date) {
        var counts = Counts()
        counts.read = run.read
        counts.valid = run.valid
        counts.duplicate = run.duplicate
        counts.quarantined = run.quarantined
        counts.pending = run.pending
        counts.subjectsRefolded = run.subjectsRefolded
        for table in LifestreamTables.all { counts.rowsWritten[table.name] = 0 }
        counts.rowsWritten.merge(rowsWritten) { $1 }
        let notes = plan.notes.sorted { $0.key < $1.key }.map { "partition \($0.key): \($0.value)" }
        self.init(runID: run.runID, toolVersion: options.toolVersion, topic: options.topic, targetSchema: options.target.name,
                  stateSchema: options.state.name, bounds: plan.bounds.summary, ranges: plan.ranges, notes: notes,
                  counts: counts, durations: [:], startedAt: started, finishedAt: Date(), status: RunStatus.complete.rawValue)
    }
}
