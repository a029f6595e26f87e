extension PostgresConnection {
    /// Runs `create … if not exists` statements (one implicit transaction), and runs them again
    /// when another session created the same object between PostgreSQL's existence check and
    /// its catalog insert: `if not exists` does not cover that race, which surfaces as a raw
    /// unique_violation on `pg_namespace`, `pg_type` or `pg_extension` (or as a duplicate_*
    /// error). The second time, the object is there and the statement does nothing.
    ///
    /// Writers of one schema exclude each other with `WriterLocks`; this covers those that share
    /// a schema on purpose (two `embed`s into tables of one new schema) and the extension.
    /// Outside a transaction only: inside one, the failed statement has aborted it.
    public func createIfMissing(_ sql: String, attempts: Int = 3) throws {
        for attempt in 1... {
            do {
                return try execute(sql)
            } catch let error as PostgresError where attempt < attempts && !isInTransaction
                && ["23505", "42P06", "42P07", "42710"].contains(error.sqlState ?? "") {
                continue
            }
        }
    }
}
