extension PostgresConnection {
    /// Takes the session-level advisory lock `key` if nobody else holds it; never waits.
    ///
    /// The lock belongs to this session until `advisoryUnlock` or `close`. Session locks need a
    /// session of their own: through a transaction-mode PgBouncer they would stick to a pooled
    /// server connection, which is why the tool's jobs hold an `AdvisoryLease` instead.
    public func tryAdvisoryLock(_ key: Int64) throws -> Bool {
        let result = try query("SELECT pg_try_advisory_lock($1::bigint)", [PostgresValue(key)])
        return result.rowCount == 1 && result[0, 0] == "t"
    }

    /// Releases one hold of the advisory lock `key` (they stack like a counter). Returns false
    /// when this session did not hold it; the server also sends a warning notice then.
    @discardableResult
    public func advisoryUnlock(_ key: Int64) throws -> Bool {
        let result = try query("SELECT pg_advisory_unlock($1::bigint)", [PostgresValue(key)])
        return result.rowCount == 1 && result[0, 0] == "t"
    }

    /// Takes the transaction-level advisory lock `key` if nobody else holds it (as a session or
    /// transaction lock); never waits. Call it inside a transaction (`BEGIN`) that stays open
    /// as long as the lock is needed: COMMIT, ROLLBACK or the end of the connection release it.
    ///
    /// Unlike a session lock this works through a transaction-mode pooler (PgBouncer): an open
    /// transaction keeps its server connection, and a client that goes away mid-transaction has
    /// it rolled back, so the lock can neither leak into another client's session nor outlive us.
    ///
    /// `shared` takes it in share mode: any number of shared holders, but no exclusive one.
    public func tryAdvisoryTransactionLock(_ key: Int64, shared: Bool = false) throws -> Bool {
        guard isInTransaction else {
            throw PostgresError(code: .invalidConfiguration, message: "a transaction-level advisory lock needs an open transaction (BEGIN first)")
        }
        let function = shared ? "pg_try_advisory_xact_lock_shared" : "pg_try_advisory_xact_lock"
        let result = try query("SELECT \(function)($1::bigint)", [PostgresValue(key)])
        return result.rowCount == 1 && result[0, 0] == "t"
    }
}
