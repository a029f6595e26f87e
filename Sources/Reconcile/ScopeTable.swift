import Postgres

/// An incremental diff's subjects, shipped to a side's database as a temporary table: copied in
/// once per connection (text COPY, then ANALYZE so the planner knows its size), and joined to
/// every table by `subject_id`, so each side reads only the rows of those subjects. The rows
/// are found through each table's key (its first column is `subject_id`), so the cost follows
/// the subjects, not the tables.
enum ScopeTable {
    static let name = "pg_temp.backfill_diff_scope"

    /// Creates (or empties) the table on `connection` and copies `subjects` in. Call it outside a
    /// transaction, before the diff's read-only snapshot (which may read it but not create it).
    static func load(_ subjects: [String], on connection: PostgresConnection) throws {
        try connection.execute("""
            set client_min_messages = warning;
            create temp table if not exists backfill_diff_scope (subject_id text primary key);
            truncate \(name)
            """)
        _ = try connection.copyIn("copy \(name) (subject_id) from stdin") { writer in
            for subject in subjects {
                writer.field(subject)
                writer.endRow()
            }
        }
        try connection.execute("analyze \(name)")
    }

    /// The rows of `relation` whose subject is in the scope, as a derived table (its alias comes
    /// after it, as for a table).
    static func rows(of relation: String, subjectColumn: String) -> String {
        "(SELECT * FROM \(relation) WHERE \(SQL.quoteIdentifier(subjectColumn)) IN (SELECT subject_id FROM \(name)))"
    }

    /// The condition a streamed side's statement adds.
    static func condition(subjectColumn: String) -> String {
        "\(SQL.quoteIdentifier(subjectColumn)) IN (SELECT subject_id FROM \(name))"
    }
}
