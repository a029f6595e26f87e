import Foundation
import Postgres

/// The session settings that make COPY text a function of the data alone.
///
/// Timestamps, dates, intervals, floats, bytea and money print differently under other
/// settings; fixing them makes two exports of equal tables byte-equal whatever the server's or
/// role's defaults, and makes import read exactly what export wrote. `search_path` is emptied
/// to `pg_catalog` so `format_type` schema-qualifies every type that is not built in.
public enum SnapshotSession {
    public static let settings = """
        SET TimeZone = 'UTC';
        SET DateStyle = 'ISO, YMD';
        SET IntervalStyle = 'postgres';
        SET extra_float_digits = 1;
        SET bytea_output = 'hex';
        SET lc_monetary = 'C';
        SET search_path = pg_catalog
        """

    /// Applies the settings for the rest of the session (the connection's own settings change).
    public static func apply(on connection: PostgresConnection) throws {
        try connection.execute(settings)
    }

    /// The same settings as `SET LOCAL`, issued first inside each transaction that reads or
    /// writes COPY text: through a transaction-mode pooler (PgBouncer) the session `SET`s may
    /// have gone to another server connection, so the transaction pins them itself.
    public static func applyLocally(on connection: PostgresConnection) throws {
        try connection.execute(settings.replacingOccurrences(of: "SET ", with: "SET LOCAL "))
    }
}
