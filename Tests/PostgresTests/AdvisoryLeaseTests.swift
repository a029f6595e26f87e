import Foundation
import Postgres
import Synchronization
import Testing
import TestSupport

@Suite("Advisory leases", .tags(.integration))
struct AdvisoryLeaseTests {
    func lease(_ key: Int64, wait: Double = 0, workName: String? = nil, url: String? = nil) throws -> AdvisoryLease.Acquisition {
        let configuration = try url.map { PostgresConfiguration(url: $0) } ?? TestDatabase.configuration()
        let connection = try PostgresConnection.connect(configuration, applicationName: AdvisoryLease.holderName(job: "lease test"),
                                                        applicationNameOverridesURL: true)
        return try AdvisoryLease.acquire(on: connection, key: key, wait: wait, workName: workName)
    }

    @Test("a lease excludes another lease and a session lock until released, and the one turned away is told who holds it")
    func exclusive() throws {
        let key = Int64.random(in: 1...Int64.max)
        guard case .acquired(let held) = try lease(key) else { Issue.record("the free lock was not taken"); return }
        let other = try TestDatabase.connect()
        defer { other.close() }
        #expect(try !other.tryAdvisoryLock(key))

        let started = Date()
        guard case .taken(let holder, _) = try lease(key, wait: 0.5) else { Issue.record("the held lock was taken twice"); return }
        #expect(Date().timeIntervalSince(started) >= 0.5)
        #expect(holder.hasPrefix(" (held by lease test lock, "), "\(holder)")
        #expect(holder.contains("pid \(getpid()), PostgreSQL pid \(try held.backendPID()), since 20"), "\(holder)")

        try held.confirm()
        held.release()
        #expect(throws: PostgresError.self) { try held.confirm() }
        #expect(try other.tryAdvisoryLock(key))
        try other.advisoryUnlock(key)
    }

    @Test("a lease takes all its locks or none, shared locks admit each other but not an exclusive one, and the one turned away learns which lock was busy")
    func severalLocks() throws {
        func connection() throws -> PostgresConnection {
            try PostgresConnection.connect(try TestDatabase.configuration(), applicationName: AdvisoryLease.holderName(job: "lease test"),
                                           applicationNameOverridesURL: true)
        }
        let first = AdvisoryLease.Lock(key: Int64.random(in: 1...Int64.max), name: "first")
        let schema = AdvisoryLease.Lock(key: Int64.random(in: 1...Int64.max), shared: true, name: "schema")
        guard case .acquired(let reader) = try AdvisoryLease.acquire(on: connection(), locks: [schema], wait: 0) else {
            Issue.record("the free shared lock was not taken"); return
        }
        defer { reader.release() }
        // A second shared holder is admitted.
        guard case .acquired(let otherReader) = try AdvisoryLease.acquire(on: connection(), locks: [first, schema], wait: 0) else {
            Issue.record("a shared lock turned away another shared holder"); return
        }
        otherReader.release()
        // An exclusive one is not, and its first lock is not kept: all or none.
        var exclusive = schema
        exclusive.shared = false
        guard case .taken(let holder, let busy) = try AdvisoryLease.acquire(on: connection(), locks: [first, exclusive], wait: 0.3) else {
            Issue.record("the exclusive lock was taken beside a shared holder"); return
        }
        #expect(busy == exclusive)
        #expect(holder.hasPrefix(" (held by lease test lock, "), "\(holder)")
        let probe = try TestDatabase.connect()
        defer { probe.close() }
        #expect(try probe.tryAdvisoryLock(first.key), "the lease kept its first lock after failing on the second")
        try probe.advisoryUnlock(first.key)
    }

    @Test("a lease outlives the server's idle_in_transaction_session_timeout")
    func idleTimeoutExempt() throws {
        var url = try #require(URLComponents(string: try TestEnvironment.databaseURL()))
        url.queryItems = (url.queryItems ?? []) + [URLQueryItem(name: "options", value: "-c idle_in_transaction_session_timeout=300")]
        let key = Int64.random(in: 1...Int64.max)
        guard case .acquired(let held) = try lease(key, url: url.string) else { Issue.record("the free lock was not taken"); return }
        defer { held.release() }
        Thread.sleep(forTimeInterval: 1)
        try held.confirm()
        let other = try TestDatabase.connect()
        defer { other.close() }
        #expect(try !other.tryAdvisoryLock(key))
    }

    @Test("a lease waits for another backend of the work name to finish its statement, and names it when it outlives the wait")
    func waitsForWorkName() throws {
        let name = ApplicationName.fitting("lease test work " + UUID().uuidString)
        let configuration = try TestDatabase.configuration()
        let worker = try PostgresConnection.connect(configuration, applicationName: name, applicationNameOverridesURL: true)
        defer { worker.close() }
        let pid = try #require(Int32(try worker.query("select pg_backend_pid()").scalar ?? ""))
        // Idle: not waited for.
        guard case .acquired(let first) = try lease(Int64.random(in: 1...Int64.max), wait: 5, workName: name) else {
            Issue.record("an idle backend of the work name blocked the lease"); return
        }
        first.release()

        // In a transaction past the wait: named, and the lock let go again.
        try worker.execute("BEGIN")
        let key = Int64.random(in: 1...Int64.max)
        guard case .stragglers(let described) = try lease(key, wait: 0.5, workName: name) else {
            Issue.record("a backend idle in transaction was not waited for"); return
        }
        #expect(described == "pid \(pid) idle in transaction")
        #expect(try worker.tryAdvisoryLock(key))
        try worker.advisoryUnlock(key)

        try worker.execute("ROLLBACK")

        // A statement that ends within the wait: the lease is taken once it has ended, not before.
        // The statement waits on an advisory lock the test holds, so it ends exactly when the test
        // lets it (a timed sleep could end on its own while a loaded machine stalls the test).
        let gate = Int64.random(in: 1...Int64.max)
        let blocker = try PostgresConnection.connect(configuration)
        defer { blocker.close() }
        try blocker.query("select pg_advisory_lock($1::bigint)", [PostgresValue(gate)])
        Thread {
            guard let blocked = try? PostgresConnection.connect(configuration, applicationName: name, applicationNameOverridesURL: true) else { return }
            _ = try? blocked.query("select pg_advisory_lock($1::bigint), pg_advisory_unlock($1::bigint)", [PostgresValue(gate)])
            blocked.close()
        }.start()
        var visible = false
        for _ in 0..<500 where !visible {
            // Not counting this query's own backend, which bears the work name too and is active while it asks.
            visible = try worker.query("""
                select count(*) from pg_stat_activity where application_name = $1 and state = 'active' and pid <> pg_backend_pid()
                """, [.text(name)]).scalar == "1"
            if !visible { Thread.sleep(forTimeInterval: 0.02) }
        }
        try #require(visible, "the blocked statement never showed up")
        // The lease is asked for on another thread; this one lets the statement end half a second later.
        let acquired = Mutex<Date?>(nil)
        let done = DispatchSemaphore(value: 0)
        let leaseKey = Int64.random(in: 1...Int64.max)
        Thread {
            defer { done.signal() }
            guard case .acquired(let second) = try? self.lease(leaseKey, wait: 30, workName: name) else { return }
            acquired.withLock { $0 = Date() }
            second.release()
        }.start()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(acquired.withLock { $0 } == nil, "the lease was taken while the statement was still blocked")
        let releasedAt = Date()
        try blocker.query("select pg_advisory_unlock($1::bigint)", [PostgresValue(gate)])
        done.wait()
        let acquiredAt = try #require(acquired.withLock { $0 }, "a statement that ended within the wait kept the lease from being taken")
        #expect(acquiredAt >= releasedAt)
    }

    @Test("application names that PostgreSQL would cut or escape are fitted so they arrive unchanged and stay distinct")
    func fittedNames() throws {
        let long = "backfill run " + String(repeating: "x", count: 80)
        let names = ["backfill run plain_schema", long, long + "y", "backfill run schéma_ü"]
        let fitted = names.map(ApplicationName.fitting)
        #expect(fitted[0] == names[0])
        #expect(Set(fitted).count == names.count)
        for name in fitted {
            #expect(name.utf8.count <= ApplicationName.maximumLength)
            let connection = try PostgresConnection.connect(TestDatabase.configuration(), applicationName: name)
            defer { connection.close() }
            #expect(try connection.query("select application_name from pg_stat_activity where pid = pg_backend_pid()").scalar == name)
        }
    }
}
