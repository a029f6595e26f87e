import Foundation
import Postgres
import Store

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
    /// Commit the batch's transactions without waiting for the disk, with one durable commit
    /// before the manifest is written (`PostgresConnection.defersCommitFlush`): a follower's
    /// small batches, where those waits were a third of the cost.
    public var defersCommitFlush = false
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
