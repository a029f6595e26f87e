import Postgres

/// The row count and SHA-256 of a table's COPY text exactly as an export would write it
/// (same session settings, same order), without writing anything.
///
/// Why: a caller that is about to destroy a table after exporting it can prove, inside the
/// transaction that destroys it, that the table still holds byte for byte what the snapshot
/// holds (`SnapshotManifest.Table.uncompressedSHA256`).
public enum TableDigest {
    public struct Value: Sendable, Equatable {
        public var rows: Int64
        public var sha256: String
        public init(rows: Int64, sha256: String) {
            self.rows = rows
            self.sha256 = sha256
        }
    }

    /// Reads `schema.table` through COPY on `connection` (inside the caller's transaction, if
    /// any). Sets the snapshot session settings for the rest of the session, as export does.
    /// Nil when there is no such table.
    public static func compute(table: String, schema: String, on connection: PostgresConnection) throws -> Value? {
        try SessionSettings.apply(to: connection)
        guard let shape = try TableCatalog.shape(of: table, in: schema, on: connection) else { return nil }
        let digest = StreamDigest()
        let rows = try connection.copyOut(shape.copyOutStatement) { digest.update($0) }
        return Value(rows: Int64(rows), sha256: digest.finalizeHex())
    }
}
