import Foundation
import Kafka
import Logging
import Pipeline
import Postgres
import Store
import Synchronization

/// Everything an embedding backfill needs besides the connections and the service.
public struct EmbedOptions: Sendable {
    public var topic: String = "text-messages"
    public var table = EmbeddingTable()
    public var bounds: RunBounds
    public var toolVersion: String
    /// Where `<run_id>.json` and `latest.json` go.
    public var manifestDirectory: String
    /// Texts per `/generate` request, and rows per database transaction.
    public var batchSize = 128
    /// Batches in flight at once (each worker has its own request and connection).
    public var concurrency = 4
    public var buildIndex = false
    public var retry = RetryPolicy()
    /// The dimension the configuration expects (`--dimension`, PGVECTOR_DIMENSION): a service
    /// that produces another is an error before anything is read.
    public var expectedDimension: Int?
    /// Seconds to wait for the table's locks (another embedding run of it, a run or import of its
    /// schema), and then for a killed run's statements still executing on the server (one
    /// budget for both).
    public var lockWait: Double = 30

    public init(bounds: RunBounds, toolVersion: String, manifestDirectory: String) {
        self.bounds = bounds
        self.toolVersion = toolVersion
        self.manifestDirectory = manifestDirectory
    }
}

/// Progress of a run, for a terminal bar or periodic log lines.
public enum EmbedProgress: Sendable {
    case planned(RunPlan)
    case phase(String)
    case read(done: Int64, total: Int64)
    case embedded(done: Int64, total: Int64)
}

/// health → plan → read (validate, newest per id) → skip current → embed in batches → index → manifest.
///
/// Every batch commits on its own, and "current" is decided from the table itself, so a run that
/// is killed and started again with the same bounds redoes nothing that was committed and loses
/// nothing that was not.
public final class EmbedRunner {
    let kafka: KafkaConfiguration
    let postgres: PostgresConfiguration
    let source: any EmbeddingSource
    let logger: Logger
    public var onProgress: (@Sendable (EmbedProgress) -> Void)?

    public init(kafka: KafkaConfiguration, postgres: PostgresConfiguration, source: any EmbeddingSource, logger: Logger) {
        self.kafka = kafka
        self.postgres = postgres
        self.source = source
        self.logger = logger
    }

    public func run(_ options: EmbedOptions) throws -> EmbedManifest {
        let started = Date()
        var durations: [String: Double] = [:]
        func timed<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
            let t0 = Date()
            defer { durations[phase, default: 0] += Date().timeIntervalSince(t0) }
            return try body()
        }
        let table = options.table
        try table.checkNames()

        let health = try timed("health") { try askHealth(options.retry) }
        try Self.checkExpected(options.expectedDimension, health, source: source)
        logger.info("embedding service ready", metadata: ["service": "\(source.displayName)", "model": "\(health.model)", "dimension": "\(health.dimension)"])

        let lease = try takeLock(options)
        defer { lease.release() }
        let db = try Self.connect(postgres, table: table)
        defer { db.close() }
        try table.prepare(db, dimension: health.dimension)
        try table.checkDimension(db, service: health, serviceName: source.displayName)

        let plan = try timed("plan") { try RunPlanner(admin: KafkaAdmin(configuration: kafka)).plan(topic: options.topic, bounds: options.bounds) }
        onProgress?(.planned(plan))
        logger.info("run planned", metadata: ["records": "\(plan.totalRecords)", "partitions": "\(plan.ranges.count)", "topic": "\(options.topic)"])

        var counts = EmbedManifest.Counts()
        onProgress?(.phase("read"))
        let latest = try timed("read") { try read(plan, db: db, table: table, counts: &counts) }

        onProgress?(.phase("compare"))
        let pending = try timed("compare") { try table.notCurrent(db, messages: latest.sorted(), model: health.model) }
        counts.skippedCurrent = Int64(latest.count - pending.count)
        logger.info("compared with the table", metadata: ["messages": "\(latest.count)", "current": "\(counts.skippedCurrent)", "to_embed": "\(pending.count)"])

        onProgress?(.phase("embed"))
        let embedded = try timed("embed") { try embedAll(pending, health: health, options: options) }
        counts.embedded = embedded.embedded
        counts.quarantined += embedded.quarantined
        counts.retries = embedded.retries

        var notes = plan.notes.sorted { $0.key < $1.key }.map { "partition \($0.key): \($0.value)" }
        if options.buildIndex {
            onProgress?(.phase("index"))
            let memory = try timed("index") { try table.buildIndex(db, dimension: health.dimension) }
            notes.append("HNSW index \(table.indexName) (vector_cosine_ops) built with maintenance_work_mem \(memory)")
            logger.info("index ready", metadata: ["index": "\(table.indexName)", "maintenance_work_mem": "\(memory)"])
        }
        if embedded.quarantined > 0 {
            notes.append("\(embedded.quarantined) texts the service refused or answered with a bad vector are in \(table.schema).\(table.quarantineName); they are tried again on the next run")
        }

        durations["total"] = Date().timeIntervalSince(started)
        let runID = RunID.make("embed", at: started)
        let manifest = EmbedManifest(
            runID: runID, toolVersion: options.toolVersion, topic: options.topic, targetSchema: table.schema, table: table.name,
            model: health.model, dimension: health.dimension, bounds: plan.bounds.summary, ranges: plan.ranges, notes: notes,
            counts: counts, indexBuilt: options.buildIndex, durations: durations, startedAt: started, finishedAt: Date(), status: "complete")
        let path = (options.manifestDirectory as NSString).appendingPathComponent("\(runID).json")
        try manifest.write(to: path)
        try manifest.write(to: (options.manifestDirectory as NSString).appendingPathComponent("latest.json"))
        logger.info("manifest written", metadata: ["path": "\(path)"])
        return manifest
    }

    // MARK: Steps

    /// The configured dimension (`--dimension`, BACKFILL_EMBED_DIMENSION, PGVECTOR_DIMENSION)
    /// against the service's; the table's is checked against the service's after.
    static func checkExpected(_ expected: Int?, _ health: ServiceHealth, source: any EmbeddingSource) throws {
        guard let expected, expected != health.dimension else { return }
        throw EmbeddingsError(.configuration, "the configuration expects \(expected) dimensions (--dimension, BACKFILL_EMBED_DIMENSION or PGVECTOR_DIMENSION) but the embedding service at \(source.displayName) (model \(health.model)) produces \(health.dimension); fix the setting or point it at the right service")
    }

    /// `/health`, retried like a batch when the service is still starting or briefly overloaded.
    private func askHealth(_ retry: RetryPolicy) throws -> ServiceHealth {
        var failures = 0
        while true {
            switch source.health() {
            case .success(let health): return health
            case .failure(let error):
                failures += 1
                guard error.code == .service, failures <= min(retry.maxRetries, 5) else { throw error }
                Thread.sleep(forTimeInterval: retry.delay(retry: failures, retryAfter: nil, jitter: Double.random(in: 0..<1)))
            }
        }
    }

    /// Reads the ranges by assignment, quarantines what breaks the contract, keeps the newest per id.
    private func read(_ plan: RunPlan, db: PostgresConnection, table: EmbeddingTable, counts: inout EmbedManifest.Counts) throws -> LatestMessages {
        var latest = LatestMessages()
        var bad: [QuarantinedRecord] = []
        var done: Int64 = 0
        let reader = try RangeReader(configuration: kafka)
        try reader.read(topic: plan.topic, ranges: plan.ranges.filter { !$0.isEmpty }, batchSize: 10_000) { records in
            for record in records {
                switch TextMessage.decode(record) {
                case .success(let message): latest.add(message)
                case .failure(let quarantined): bad.append(quarantined)
                }
            }
            done += Int64(records.count)
            if bad.count >= 10_000 {
                try db.transaction { try table.insertQuarantine($0, bad) }
                counts.quarantined += Int64(bad.count)
                bad.removeAll()
            }
            onProgress?(.read(done: done, total: plan.totalRecords))
        }
        if !bad.isEmpty {
            try db.transaction { try table.insertQuarantine($0, bad) }
            counts.quarantined += Int64(bad.count)
        }
        counts.read = done
        counts.valid = done - counts.quarantined
        counts.duplicate = latest.superseded
        if counts.quarantined > 0 {
            logger.warning("records quarantined", metadata: ["count": "\(counts.quarantined)", "table": "\(table.schema).\(table.quarantineName)"])
        }
        return latest
    }

    struct EmbedTotals: Sendable {
        var embedded: Int64 = 0
        var quarantined: Int64 = 0
        var retries: Int64 = 0
    }

    /// `concurrency` workers (this thread and `concurrency - 1` more, `PartWorkers`) take batches
    /// in order; each embeds its batch and commits it with its own connection, so requests and
    /// database writes overlap. The first error stops the others after their current batch
    /// (which commits or not as a whole).
    private func embedAll(_ pending: [TextMessage], health: ServiceHealth, options: EmbedOptions) throws -> EmbedTotals {
        guard !pending.isEmpty else { return EmbedTotals() }
        let batches = stride(from: 0, to: pending.count, by: options.batchSize).map {
            Array(pending[$0..<min($0 + options.batchSize, pending.count)])
        }
        let state = WorkState(total: Int64(pending.count))
        let embedder = BatchEmbedder(source: source, health: health, retry: options.retry, topic: options.topic, logger: logger)
        let postgres = self.postgres
        let progress = onProgress
        let worker: @Sendable (PartWorkers) throws -> Void = { workers in
            let db = try Self.connect(postgres, table: options.table)
            defer { db.close() }
            while !workers.shouldStop, let index = state.next(of: batches.count) {
                let output = try embedder.embed(batches[index])
                let written = try options.table.write(db, vectors: output.vectors, model: health.model, quarantined: output.quarantined)
                let done = state.record(embedded: Int64(written), quarantined: Int64(output.quarantined.count),
                                        retries: Int64(output.retries), messages: Int64(batches[index].count))
                progress?(.embedded(done: done, total: state.total))
            }
        }
        _ = try PartWorkers.run(count: max(1, min(options.concurrency, batches.count)), name: "embed-worker") { workers in
            try worker(workers)
        } other: { _, workers in
            try worker(workers)
        }
        return state.totals
    }

    // MARK: Connections and locks

    /// A work connection, named `applicationName(table:)` so that a later run finds its
    /// statements if this process is killed.
    static func connect(_ configuration: PostgresConfiguration, table: EmbeddingTable) throws -> PostgresConnection {
        try PostgresConnection.connect(configuration, applicationName: applicationName(table: table.display),
                                       applicationNameOverridesURL: true)
    }

    /// The table's locks (`WriterLocks`): its schema shared (other embeds into other tables of
    /// the schema go on; a run, import or replay of the schema waits) and the table itself
    /// exclusive, held as `BackfillRunner` holds the run's; then the wait for a killed earlier
    /// run's statements, both within `lockWait`. Throws `WriterLockBusy`.
    private func takeLock(_ options: EmbedOptions) throws -> AdvisoryLease {
        try Self.takeLock(postgres, table: options.table, wait: options.lockWait, job: "backfill embed")
    }

    /// The lock of `embed` and of `embed --follow` (`job` names the holder): one writer per table.
    static func takeLock(_ postgres: PostgresConfiguration, table embeddings: EmbeddingTable, wait: Double, job: String) throws -> AdvisoryLease {
        let table = embeddings.display
        let connection = try PostgresConnection.connect(postgres, applicationName: AdvisoryLease.holderName(job: job),
                                                        applicationNameOverridesURL: true)
        let tableLock = WriterLocks.table(table)
        return try WriterLocks.acquire(
            [WriterLocks.schema(embeddings.schema, shared: true), tableLock], on: connection, wait: wait,
            workName: Self.applicationName(table: table), earlierJob: "an earlier embedding backfill of \(table)"
        ) { lock, holder in
            lock == tableLock ? "another embedding backfill is already writing \(table)\(holder)"
                : "another backfill command is writing schema \(embeddings.schema)\(holder)"
        }
    }

    static func applicationName(table: String) -> String {
        ApplicationName.fitting("backfill embed \(table)")
    }

    /// A stable 64-bit advisory lock key per table (FNV-1a): `WriterLocks.table`'s.
    static func lockKey(_ table: String) -> Int64 {
        WriterLocks.table(table).key
    }
}

/// The workers' shared cursor and totals.
private final class WorkState: Sendable {
    private struct Counts {
        var nextIndex = 0
        var done: Int64 = 0
        var totals = EmbedRunner.EmbedTotals()
    }

    let total: Int64
    private let counts = Mutex(Counts())

    init(total: Int64) { self.total = total }

    /// The next batch to take, or nil when all are taken.
    func next(of count: Int) -> Int? {
        counts.withLock { counts in
            guard counts.nextIndex < count else { return nil }
            defer { counts.nextIndex += 1 }
            return counts.nextIndex
        }
    }

    func record(embedded: Int64, quarantined: Int64, retries: Int64, messages: Int64) -> Int64 {
        counts.withLock { counts in
            counts.totals.embedded += embedded
            counts.totals.quarantined += quarantined
            counts.totals.retries += retries
            counts.done += messages
            return counts.done
        }
    }

    var totals: EmbedRunner.EmbedTotals { counts.withLock { $0.totals } }
}
