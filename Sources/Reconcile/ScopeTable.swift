import Postgres

/// An incremental diff's subjects, shipped to a side's database as a temporary table (copied in
/// once per connection by text COPY), from which each table's statement takes them as one array:
/// `subject_id = ANY (ARRAY(SELECT …))` is an index scan of the table's key (whose first column is
/// `subject_id`) for exactly those subjects, so the cost follows the subjects, not the tables. (A
/// join or `IN (SELECT …)` lets the planner hash the subjects and scan the whole table instead —
/// cheaper for a small table, but then the cost grows with the history; a lookup per subject in a
/// nested loop costs a third more than one index scan over the sorted array.)
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
    }

    /// The condition that keeps a table's rows to the scope's subjects.
    static func condition(subjectColumn: String) -> String {
        "\(SQL.quoteIdentifier(subjectColumn)) = ANY (ARRAY(SELECT subject_id FROM \(name)))"
    }
}
