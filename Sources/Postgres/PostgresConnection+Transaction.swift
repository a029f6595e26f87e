import CLibPQ

extension PostgresConnection {
    /// Runs `body` between BEGIN and COMMIT, so its statements take effect all together or not
    /// at all. When `body` throws, the transaction is rolled back and *that* error is rethrown
    /// (a failing ROLLBACK on a broken connection must not hide the cause).
    ///
    /// If a statement failed inside `body` and its error was caught and swallowed, PostgreSQL
    /// answers COMMIT with ROLLBACK; that is reported as `.transactionRolledBack` instead of
    /// passing silently. Nesting is refused rather than faked: PostgreSQL has no nested BEGIN.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let handle = try requireOpen()
        guard PQtransactionStatus(handle) == PQTRANS_IDLE else {
            throw PostgresError(code: .transactionAlreadyOpen,
                                message: "PostgreSQL cannot nest transactions; use SAVEPOINT inside the outer one",
                                context: "starting a transaction")
        }
        _ = try consumeResult(PQexec(handle, defersCommitFlush ? "BEGIN; SET LOCAL synchronous_commit = off" : "BEGIN"), context: "starting a transaction")
        let value: T
        do {
            value = try body(self)
        } catch {
            rollBackQuietly()
            throw error
        }
        let commit = try consumeResult(PQexec(handle, "COMMIT"), context: "committing a transaction")
        if commit.commandTag == "ROLLBACK" {
            throw PostgresError(code: .transactionRolledBack,
                                message: "a statement inside the transaction failed, so COMMIT rolled everything back",
                                context: "committing a transaction")
        }
        return value
    }

    /// Waits until every transaction committed so far (on any connection to this server) is on
    /// disk: a transaction that commits with `synchronous_commit = on` flushes the WAL up to its
    /// commit record, and an id is assigned so that there is one. The barrier after commits made
    /// with `defersCommitFlush`.
    public func flushCommits() throws {
        try transaction { tx in
            try tx.execute("set local synchronous_commit = on")
            _ = try tx.query("select pg_current_xact_id()")
        }
    }

    /// Best effort: on a lost connection the server has already rolled back.
    private func rollBackQuietly() {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return }
        if PQtransactionStatus(handle) == PQTRANS_ACTIVE { drainResults() }
        if let result = PQexec(handle, "ROLLBACK") { PQclear(result) }
    }
}
