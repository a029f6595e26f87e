import Postgres
import TestSupport
import Testing

@Suite("Advisory locks", .tags(.integration))
struct AdvisoryLockTests {
    @Test("a lock held by one connection is refused to another until unlock, and again until close")
    func exclusiveUntilReleased() throws {
        let key = Int64.random(in: 1...Int64.max)
        let first = try TestDatabase.connect()
        let second = try TestDatabase.connect()
        defer { first.close(); second.close() }

        #expect(try first.tryAdvisoryLock(key))
        #expect(try !second.tryAdvisoryLock(key))
        #expect(try first.advisoryUnlock(key))
        #expect(try second.tryAdvisoryLock(key))
        #expect(try !first.tryAdvisoryLock(key))

        // close() does not wait for the server backend to exit, and the lock goes with the
        // backend: give it a moment.
        second.close()
        var acquired = false
        for _ in 0..<100 where !acquired {
            acquired = try first.tryAdvisoryLock(key)
            if !acquired { try first.query("SELECT pg_sleep(0.05)") }
        }
        #expect(acquired)
        #expect(try first.advisoryUnlock(key))
    }

    @Test("unlocking a lock this session does not hold returns false and reports a notice")
    func unlockWithoutHolding() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        var notices: [String] = []
        connection.onNotice = { notices.append($0) }
        #expect(try !connection.advisoryUnlock(Int64.random(in: 1...Int64.max)))
        #expect(notices.contains { $0.contains("you don't own a lock") })
    }

    @Test("a transaction-level lock excludes session locks on the same key and ends with its transaction")
    func transactionLock() throws {
        let key = Int64.random(in: 1...Int64.max)
        let holder = try TestDatabase.connect()
        let other = try TestDatabase.connect()
        defer { holder.close(); other.close() }
        #expect(throws: PostgresError.self) { try holder.tryAdvisoryTransactionLock(key) }
        try holder.execute("BEGIN")
        #expect(try holder.tryAdvisoryTransactionLock(key))
        #expect(try !other.tryAdvisoryLock(key))
        try other.execute("BEGIN")
        #expect(try !other.tryAdvisoryTransactionLock(key))
        try other.execute("ROLLBACK")
        try holder.execute("ROLLBACK")
        #expect(try other.tryAdvisoryLock(key))
        try holder.execute("BEGIN")
        #expect(try !holder.tryAdvisoryTransactionLock(key))
        try holder.execute("ROLLBACK")
    }
}
