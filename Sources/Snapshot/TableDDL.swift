import Postgres
import Store

/// `CREATE TABLE schema.table (columns…, PRIMARY KEY (…))` from a manifest's description.
/// The types are written as given: callers check untrusted ones first (import does, with
/// `to_regtype`).
func createTableStatement(schema: String, table: String, columns: [SnapshotManifest.Column],
                          primaryKey: [String], includePrimaryKey: Bool = true) -> String {
    var lines = columns.map { "    \(SQL.quoteIdentifier($0.name)) \($0.type)\($0.nullable ? "" : " NOT NULL")" }
    if includePrimaryKey, !primaryKey.isEmpty {
        lines.append("    PRIMARY KEY (\(primaryKey.map(SQL.quoteIdentifier).joined(separator: ", ")))")
    }
    return "CREATE TABLE \(SQL.qualifiedName(schema, table)) (\n\(lines.joined(separator: ",\n"))\n)"
}
