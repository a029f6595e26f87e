import Foundation
import Postgres

/// One side of a two-database diff: a thread with its own connection that runs one
/// `COPY (SELECT … ORDER BY key) TO STDOUT` per table, in one read-only snapshot, parses
/// the rows and hands them over in batches through a bounded queue.
///
/// The connection is opened and used on that thread only (libpq connections are not shared
/// between threads); the consumer sees batches, table ends and errors.
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

    let queue: BlockingQueue<Item>
    private let configuration: PostgresConfiguration
    private let statements: [Statement]
    private let done = DispatchSemaphore(value: 0)

    /// At most `capacity` batches (of about 1 MiB of data each) wait for the merge: enough to
    /// keep the server sending while the merge catches up, little enough to keep memory flat.
    init(configuration: PostgresConfiguration, statements: [Statement], capacity: Int = 4) {
        self.configuration = configuration
        self.statements = statements
        self.queue = BlockingQueue(capacity: capacity)
    }

    func start() {
        let thread = Thread { [self] in
            defer { done.signal() }
            do {
                try run()
                queue.finish()
            } catch {
                queue.finish(throwing: error)
            }
        }
        thread.name = "backfill-diff-stream"
        thread.start()
    }

    /// Waits until the thread has ended (and closed its connection).
    func join() { done.wait() }

    /// Stops the stream early (the merge failed) and waits for the thread.
    func cancelAndJoin() {
        queue.cancel()
        join()
    }

    private func run() throws {
        let connection = try PostgresConnection.connect(configuration, applicationName: "backfill-diff")
        defer { connection.close() }
        try SessionSettings.apply(to: connection)
        try connection.execute(SessionSettings.streamingStatements)
        try connection.execute(SessionSettings.beginSnapshot)
        try connection.execute(SessionSettings.localStatements + ";\n" + SessionSettings.streamingStatements.replacingOccurrences(of: "SET ", with: "SET LOCAL "))
        for statement in statements {
            var reader = CopyTextReader(fieldCount: statement.fieldCount, source: statement.source)
            try connection.copyOut(statement.sql) { chunk in
                var rows = CopyRows(fieldCount: statement.fieldCount, reservingBytes: chunk.count)
                try reader.consume(chunk, into: &rows)
                if rows.count > 0 { try queue.push(.rows(rows)) }
            }
            try reader.finish()
            try queue.push(.endOfTable)
        }
        try connection.execute("COMMIT")
    }
}
