import Foundation
import Pipeline
import Postgres
import Store
import Synchronization

/// One side of a streamed diff: a thread that produces each table's rows in key order and
/// hands them over in batches through a bounded queue.
///
/// The rows come from a database (one `COPY (SELECT … ORDER BY key) TO STDOUT` per table, in
/// one read-only snapshot, on a connection opened and used on that thread only: libpq
/// connections are not shared between threads) or from any other producer, such as a
/// snapshot's zstd files (`SnapshotRowSource`). The consumer sees batches, table ends and errors.
final class TableStream: Sendable {
    enum Item: Sendable {
        /// Up to one COPY chunk (~1 MiB) of parsed rows.
        case rows(CopyRows)
        /// The current table's rows are complete.
        case endOfTable
    }

    struct Statement: Sendable {
        var sql: String
        var fieldCount: Int
        var source: String
    }

    /// Hands one item to the merge, waiting while the queue is full.
    typealias Emit = (Item) throws -> Void

    let queue: BlockingQueue<Item>
    private let produce: @Sendable (Emit) throws -> Void
    private let thread = Mutex<WorkerThread?>(nil)

    /// At most `capacity` batches (of about 1 MiB of data each) wait for the merge: enough to
    /// keep the producer going while the merge catches up, little enough to keep memory flat.
    /// `produce` runs on the stream's thread and must emit, per table, its batches then `.endOfTable`.
    init(capacity: Int = 4, produce: @escaping @Sendable (Emit) throws -> Void) {
        self.produce = produce
        self.queue = BlockingQueue(capacity: capacity)
    }

    /// The rows of `statements` from the database at `configuration`; with `scope`, the
    /// subjects are first copied into the connection's `ScopeTable` (the statements join it).
    convenience init(configuration: PostgresConfiguration, scope: [String]? = nil, statements: [Statement], capacity: Int = 4) {
        self.init(capacity: capacity) { emit in
            try TableStream.copyOut(configuration: configuration, scope: scope, statements: statements, emit: emit)
        }
    }

    func start() {
        let started = WorkerThread(name: "backfill-diff-stream") { [produce, queue] in
            do {
                try produce { try queue.push($0) }
                queue.finish()
            } catch {
                queue.finish(throwing: error)
            }
        }
        thread.withLock { $0 = started }
    }

    /// Waits until the thread has ended (and closed its connection); at once if it never started.
    func join() { thread.withLock { $0 }?.join() }

    /// Stops the stream early (the merge failed) and waits for the thread.
    func cancelAndJoin() {
        queue.cancel()
        join()
    }

    private static func copyOut(configuration: PostgresConfiguration, scope: [String]?, statements: [Statement], emit: Emit) throws {
        let connection = try PostgresConnection.connect(configuration, applicationName: "backfill-diff")
        defer { connection.close() }
        try SessionSettings.apply(to: connection)
        if let scope { try ScopeTable.load(scope, on: connection) }
        try connection.execute(DiffSession.streamingStatements)
        try connection.execute(DiffSession.beginSnapshot)
        try connection.execute(SessionSettings.localStatements + ";\n" + DiffSession.streamingStatements.replacingOccurrences(of: "SET ", with: "SET LOCAL "))
        for statement in statements {
            var reader = CopyTextReader(fieldCount: statement.fieldCount, source: statement.source)
            try connection.copyOut(statement.sql) { chunk in
                var rows = CopyRows(fieldCount: statement.fieldCount, reservingBytes: chunk.count)
                try reader.consume(chunk, into: &rows)
                if rows.count > 0 { try emit(.rows(rows)) }
            }
            try reader.finish()
            try emit(.endOfTable)
        }
        try connection.execute("COMMIT")
    }
}
