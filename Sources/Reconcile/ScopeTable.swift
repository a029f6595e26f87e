import Postgres

/// An incremental diff's subjects, shipped to a side's database as a temporary table: copied in
/// once per connection (text COPY, then ANALYZE), and driving every table's read: for each
/// subject, its rows are looked up through the table's key (whose first column is `subject_id`),
/// so the cost follows the subjects, not the tables. A plain `IN (…)` would let the planner hash
/// the subjects and scan the whole table instead — cheaper for a small table, but then the cost
/// grows with the history; `OFFSET 0` keeps the lookup a nested loop per subject.
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
    /// after it, as for a table), with the columns of `relation`.
    static func rows(of relation: String, subjectColumn: String) -> String {
        "(SELECT backfill_scoped.* FROM \(name) backfill_scope CROSS JOIN LATERAL "
            + "(SELECT * FROM \(relation) WHERE \(SQL.quoteIdentifier(subjectColumn)) = backfill_scope.subject_id OFFSET 0) backfill_scoped)"
    }
}
