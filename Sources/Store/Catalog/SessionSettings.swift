import Foundation
import Postgres

/// The session settings every reading or writing of table data runs with — the diff's, a
/// snapshot's, a table digest's — so that values print as a function of the data alone.
///
/// Timestamps, dates, intervals, floats (their shortest exact form: `1.0` prints as `1`), bytea
/// and money print differently under other settings; fixing them makes both sides of a diff print
/// equal values the same way, makes two exports of equal tables byte-equal whatever the server's
/// or role's defaults, and makes an import read exactly what an export wrote. `search_path` is
/// emptied to `pg_catalog` so `format_type` schema-qualifies every type that is not built in, and
/// no statement can reach an object through the search path by accident.
public enum SessionSettings {
    public static let statements = """
        SET TimeZone = 'UTC';
        SET DateStyle = 'ISO, YMD';
        SET IntervalStyle = 'postgres';
        SET extra_float_digits = 1;
        SET bytea_output = 'hex';
        SET lc_monetary = 'C';
        SET search_path = pg_catalog
        """

    /// The same settings as `SET LOCAL`, issued first inside each transaction that reads or writes
    /// the data: through a transaction-mode pooler (PgBouncer) the session `SET`s may have gone to
    /// another server connection, so the transaction pins them itself.
    public static let localStatements = statements.replacingOccurrences(of: "SET ", with: "SET LOCAL ")

    /// Applies the settings for the rest of the session (the connection's own settings change).
    public static func apply(to connection: PostgresConnection) throws {
        try connection.execute(statements)
    }

    /// Applies them to the current transaction only (see `localStatements`).
    public static func applyLocally(to connection: PostgresConnection) throws {
        try connection.execute(localStatements)
    }
}
