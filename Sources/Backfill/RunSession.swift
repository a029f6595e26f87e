import Foundation
import Kafka
import Logging
import Postgres
import Store

/// A run's locks and working connections, open: what `BackfillRunner` opens for one run and a
/// follower keeps for many. `execute` does one run over them.
///
/// Opening takes the locks (`RunLock`), connects, creates the target's tables and creates or
/// migrates the state schema, and checks the state belongs to this target and topic.
final class RunSession {
    let options: RunOptions
    let kafka: KafkaConfiguration
    let connector: Connector
    let logger: Logger
    let lease: AdvisoryLease
    /// The application name of every work connection (how a later run finds a killed one's statements).
    let tag: String
    /// The writer of every run, and the first ingest worker.
    let db: PostgresConnection
    var onProgress: (@Sendable (RunProgress) -> Void)?
    /// Connections a run needs besides `db`, opened on first use and kept for the next run.
    private var reader: PostgresConnection?
    private var secondReader: PostgresConnection?
    private var secondWriter: PostgresConnection?

    init(kafka: KafkaConfiguration, connector: Connector, options: RunOptions, logger: Logger, job: String = "backfill run") throws {
        try options.checkNames()
        self.options = options
        self.kafka = kafka
        self.connector = connector
        self.logger = logger
        // Nothing touches the state schema before the locks are held and an earlier run's
        // statements have ended.
        lease = try RunLock.take(state: options.state, target: options.target, wait: options.lockWait, connector: connector, job: job)
        tag = RunLock.applicationName(stateSchema: options.state.name)
        do {
            db = try connector.connect(tag)
            db.defersCommitFlush = options.defersCommitFlush
            try prepareSchemas()
        } catch {
            lease.release()
            throw error
        }
    }

    func close() {
        for connection in [reader, secondReader, secondWriter] { connection?.close() }
        db.close()
        lease.release()
    }

    private func kept(_ connection: inout PostgresConnection?) throws -> PostgresConnection {
        if let connection, connection.isOpen { return connection }
        let opened = try connector.connect(tag)
        opened.defersCommitFlush = options.defersCommitFlush
        connection = opened
        return opened
    }

    /// Creates the target's tables and the state schema, or brings the state schema's layout up
    /// to date (`StateSchema.migrate`), under the run's locks; then checks that the state belongs
    /// to this target and topic.
    private func prepareSchemas() throws {
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

    /// Runs (or resumes) the run of `plan` and returns its manifest, written to disk. `records`,
    /// when given, are the plan's records already read (a follower's batch: exactly the records
    /// of its ranges); otherwise they are read from Kafka.
    func execute(_ plan: RunPlan, records: [KafkaRecord]? = nil, started: Date = Date(),
                 durations earlier: PhaseDurations = PhaseDurations()) throws -> RunManifest {
        var durations = earlier
        let ledger = RunLedger(state: options.state)
        let (runID, resumed) = try startOrResume(plan)
        onProgress?(.planned(plan, resumed: resumed))
        logger.debug("run planned", metadata: [
            "run_id": "\(runID)", "records": "\(plan.totalRecords)", "partitions": "\(plan.ranges.count)", "resumed": "\(resumed)",
        ])
        if try ledger.record(runID, db: db).status == .ingesting {
            onProgress?(.phase("ingest"))
            try durations.time("ingest") {
                let ingest = RunIngest(kafka: kafka, connector: connector, options: options, runID: runID, tag: tag, onProgress: onProgress)
                if let records { try ingest.ingest(records, of: plan, db: db) } else { try ingest.ingest(plan, db: db) }
            }
            try lease.confirm()
        }
        onProgress?(.phase("materialize"))
        let materialized = try durations.time("materialize") { try materialize(runID: runID) }
        logger.debug("materialized", metadata: ["run_id": "\(runID)", "subjects": "\(materialized.subjects)"])
        try lease.confirm()

        // What the manifest is about to promise must be on disk first.
        if options.defersCommitFlush { try db.flushCommits() }
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
        logger.debug("manifest written", metadata: ["path": "\(path)"])
        return manifest
    }

    /// An unfinished run with the very same ranges is resumed; any other unfinished run is
    /// abandoned (its logged events stay and are materialized by this run).
    private func startOrResume(_ plan: RunPlan) throws -> (String, Bool) {
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
            _ = try materialize(runID: loader)
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
    private func materialize(runID: String) throws -> MaterializeCounts {
        let scope: Materializer.Scope = try BulkLoad.isLoading(state: options.state, db: db) ? .bulk : .dirty
        let materializer = Materializer(reader: try kept(&reader), writer: db, state: options.state, target: options.target,
                                        runID: runID, scope: scope)
        if scope == .bulk, options.ingestWorkers > 1 { materializer.extraReaders = [try kept(&secondReader)] }
        materializer.batchSubjects = options.materializeBatchSubjects
        if scope == .dirty, options.ingestWorkers > 1 {
            // A second writer takes every other batch; a small dirty set is cut into at least four
            // batches so that both have work.
            materializer.extraWriters = [try kept(&secondWriter)]
            let dirty = try db.query("select count(*) as dirty from \(options.state.table("dirty_subjects"))").single().decode("dirty", as: Int.self)
            materializer.batchSubjects = max(1, min(options.materializeBatchSubjects, max(500, dirty / 4)))
        }
        materializer.batchPayloadBytes = options.materializeBatchPayloadBytes
        materializer.largeSubjectEvents = options.largeSubjectEvents
        materializer.onProgress = { [onProgress] counts in onProgress?(.materialized(subjects: counts.subjects)) }
        return try materializer.run()
    }
}
