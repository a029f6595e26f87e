import Foundation
import Postgres

/// Settings every diff session runs with, so that both sides print values the same way:
/// timestamps in UTC ISO form (equal instants give equal text), floats in their shortest exact
/// form (`1.0` prints as `1`), and a read-only snapshot so a table written while it is being
/// read is compared as of one instant.
enum SessionSettings {
    static let statements = """
        SET TimeZone = 'UTC';
        SET DateStyle = 'ISO, YMD';
        SET IntervalStyle = 'postgres';
        SET extra_float_digits = 1;
        SET bytea_output = 'hex'
        """

    static func apply(to connection: PostgresConnection) throws {
        try connection.execute(statements)
    }

    /// The same settings again as `SET LOCAL`, issued first inside each reading transaction:
    /// through a transaction-mode pooler (PgBouncer) the session `SET`s may have gone to another
    /// server connection, so the transaction that reads the rows pins them itself.
    static let localStatements = statements.replacingOccurrences(of: "SET ", with: "SET LOCAL ")

    /// For the streaming sessions: a key-order sort that cannot use an index stays in memory
    /// for tables of a few million rows instead of spilling to disk (one sort per side at a time).
    static let streamingStatements = "SET work_mem = '256MB'"

    /// One snapshot for every table of a side (REPEATABLE READ, read only).
    static let beginSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
}
