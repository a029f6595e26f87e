import Foundation
import Lifestream
import Pipeline
import Postgres
import Store

/// What a materialize pass did; rows written per table are committed to `run_rows` with each batch.
public struct MaterializeCounts: Sendable, Equatable {
    public var subjects: Int64 = 0
    public var pendingEvents: Int64 = 0
    public init() {}
}

/// Refolds every dirty subject from the event log and writes its rows, in batches of
/// subjects in subject order (a fixed order, so concurrent writers cannot deadlock).
///
/// Each batch commits its rows together with the removal of its subjects from the dirty
/// set: a crash leaves the remaining subjects dirty and the next run finishes them.
/// Into empty tables rows are copied straight in; otherwise they are staged and merged
/// (rows that did not change are not touched, rows that should no longer exist are deleted).
/// Folding (on the calling thread, reading the log) and writing (on a writer thread per writer
/// connection, see `extraWriters`) overlap, with at most two folded batches waiting between them.
///
/// A bulk pass (`Scope.bulk`, see `BulkLoad`) folds the whole keyless log instead — sensors
/// included, duplicates settled as each subject's events come by — and writes every table in
/// one transaction that ends by settling the log (duplicates recorded and removed, key built).
public final class Materializer {
    /// Which subjects a pass folds.
    public enum Scope: Sendable {
        /// The dirty set, from a keyed log; sensor projections are kept at ingest.
        case dirty
        /// Every subject of a bulk-loaded, keyless log, into empty tables.
        case bulk
    }

    let reader: PostgresConnection
    let writer: PostgresConnection
    let state: StateSchema
    let target: TargetSchema
    let runID: String
    let scope: Scope
    public var batchSubjects = 5_000
    /// A batch also ends once its subjects' events carried this many payload bytes, so a few
    /// subjects with very large texts cannot make a batch (and the up to four batches between
    /// folding and writing) large.
    public var batchPayloadBytes = 8 << 20
    /// And after this many events: a bulk pass folds sensors too, whose many small readings
    /// weigh more as rows than as payload bytes.
    public var batchEvents = 10_000
    /// A bulk pass holds one subject's events at a time; a subject with more is folded on its
    /// own after the pass (a sensor streamed), so a chatty sensor over a long window need not fit.
    public var largeSubjectEvents = 100_000
    /// A bulk pass reads and folds the log in parts, one per reader (this one and these, each
    /// on a thread of its own with a share of the subjects by hash): the server sorts the parts
    /// side by side instead of one large sort before the first row arrives.
    public var extraReaders: [PostgresConnection] = []
    /// A dirty pass also writes with these (each on a thread of its own, taking the next folded
    /// batch when free): batches are disjoint sets of subjects, each committed on its own, and
    /// the merge statements of one batch leave a core idle.
    public var extraWriters: [PostgresConnection] = []
    /// Called on a writer thread after each committed batch.
    public var onProgress: (@Sendable (MaterializeCounts) -> Void)?

    public init(reader: PostgresConnection, writer: PostgresConnection, state: StateSchema, target: TargetSchema, runID: String,
                scope: Scope = .dirty) {
        self.runID = runID
        self.scope = scope
        self.reader = reader
        self.writer = writer
        self.state = state
        self.target = target
    }

    public func run() throws -> MaterializeCounts {
        let tables = TableWriter(state: state, target: target, runID: runID, scope: scope)
        guard scope == .bulk else { return try pass(directCopy: try tables.targetIsEmpty(db: writer), tables) }
        do {
            return try pass(directCopy: true, tables)
        } catch is DirectCopyConflict {
            // Rows appeared in the target since the run began (a live writer): the whole bulk
            // transaction rolled back, so merge every batch instead.
            return try pass(directCopy: false, tables)
        }
    }

    /// A bulk pass's direct COPY met a row already in the target.
    struct DirectCopyConflict: Error {}

    /// Folds on this thread (and, in a bulk pass, the extra readers' threads) while the writers
    /// write, with at most two folded batches waiting between them.
    private func pass(directCopy: Bool, _ tables: TableWriter) throws -> MaterializeCounts {
        let queue = BlockingQueue<WriteJob>(capacity: 2)
        let writers = MaterializeWriters(connections: (scope == .dirty ? [writer] + extraWriters : [writer]).map(ConnectionHandoff.init),
                                         writer: tables, directCopy: directCopy, queue: queue, onProgress: onProgress)
        let fold = FoldPass(state: state, bulk: scope == .bulk, limits: FoldBatcher.Limits(
            subjects: batchSubjects, payloadBytes: batchPayloadBytes, events: batchEvents,
            largeSubject: scope == .bulk ? largeSubjectEvents : .max))
        do {
            let readers = (scope == .bulk ? [reader] + extraReaders : [reader]).map(ConnectionHandoff.init)
            _ = try PartWorkers.run(count: readers.count, name: "backfill-fold") { workers in
                try fold.run(reader: readers[0].connection, part: 0, of: readers.count) { job in
                    if workers.shouldStop { throw PartWorkers.Stopped() }
                    try queue.push(job)
                }
            } other: { part, workers in
                try fold.run(reader: readers[part].connection, part: part, of: readers.count) { job in
                    if workers.shouldStop { throw PartWorkers.Stopped() }
                    try queue.push(job)
                }
            }
            queue.finish()
        } catch {
            queue.finish(throwing: error)
            writers.join()
            if error is BlockingQueue<WriteJob>.Cancelled, let failure = writers.failure { throw failure }
            throw error
        }
        writers.join()
        if let failure = writers.failure { throw failure }
        return writers.counts
    }
}
