import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A job's advisory lock, held by a transaction kept open on a connection of its own for as
/// long as the job runs: the one lock design that excludes a second job both on a direct
/// connection and through a transaction-mode pooler (PgBouncer).
///
/// - **Why a transaction and not a session lock.** In transaction mode the pooler lends a
///   server connection per transaction. A session lock taken outside a transaction lands on
///   whichever server connection the pooler picked, its unlock may reach another one, and the
///   lock stays behind for the pooler's next client. An open transaction pins its server
///   connection, and `pg_try_advisory_xact_lock` ends with it: at `release`, or when this
///   process dies and its socket closes (PgBouncer then closes the server connection, which
///   rolls the transaction back).
/// - **Why a connection of its own.** The work connections commit all the time; the lease's
///   transaction must stay open. It only ever runs the lock and the checks below, so it holds
///   no snapshot between them and does not hold back VACUUM.
/// - **`idle_in_transaction_session_timeout`** is set to 0 for the lease's transaction only
///   (`SET LOCAL`), since the server would otherwise end the session, and the lock with it, in
///   the middle of a run. A pooler's own idle-transaction timeout (PgBouncer's
///   `idle_transaction_timeout`, off by default) must stay off or above a run's length;
///   `confirm` notices a lease that was taken away.
/// - **What a session lock on the working connection gave for free**, that a killed job's lock
///   lasted until its last statement had ended, is kept by `waitForOthers`: after taking the
///   lease, a job waits for backends tagged with its work connections' `application_name` to
///   finish before it starts.
///
/// The lease's own connection carries a holder name (`holderName`: job, host, pid), which
/// `describeHolder` shows to whoever is turned away.
///
/// A lease may hold several locks (`Lock`), taken together in one transaction: all of them or
/// none. It never waits while holding some (a busy one rolls back the others before the next
/// try), so two jobs cannot deadlock whatever they ask for; asking in one fixed order (see
/// `WriterLocks`) also keeps two jobs from taking turns at failing.
public final class AdvisoryLease {
    /// The first lock's key.
    public var key: Int64 { locks[0].key }
    public let locks: [Lock]
    private let connection: PostgresConnection

    /// One advisory lock a lease takes.
    public struct Lock: Sendable, Equatable {
        public var key: Int64
        /// Share mode: any number of shared holders at once, but no exclusive one.
        public var shared: Bool
        /// What the lock protects, in words for messages: `target schema lifestream_shadow`.
        public var name: String

        public init(key: Int64, shared: Bool = false, name: String) {
            self.key = key
            self.shared = shared
            self.name = name
        }
    }

    /// What `acquire` found.
    public enum Acquisition {
        case acquired(AdvisoryLease)
        /// Someone held `lock` for the whole wait. `holder` describes them, e.g.
        /// ` (held by backfill run lock, host pid 12, PostgreSQL pid 345, since 2026-…Z)`, or is
        /// empty when they could not be seen.
        case taken(holder: String, lock: Lock)
        /// The lock was free, but backends of an earlier job (see `waitForOthers`) were still at
        /// work when the wait ran out; the lock has been let go again. `described` lists them
        /// for a message: `pid 123 active, pid 456 idle in transaction`.
        case stragglers(described: String)
    }

    /// A backend of an earlier job that `waitForOthers` saw outlive its wait.
    public struct Straggler: Sendable, Equatable {
        public var pid: Int32
        /// `active`, `idle in transaction`, …
        public var state: String
    }

    private init(locks: [Lock], connection: PostgresConnection) {
        self.locks = locks
        self.connection = connection
    }

    deinit { release() }

    /// Takes the lock `key` on `connection`, trying every quarter second for up to `wait`
    /// seconds: a job killed a moment ago may still hold it until its server session notices.
    /// Then, with `workName`, waits for backends of an earlier job named so (`waitForOthers`),
    /// within the same `wait` counted from the start.
    ///
    /// The lease owns `connection` from this call on: it is closed unless the result is
    /// `.acquired`, when this throws, and at `release`.
    public static func acquire(on connection: PostgresConnection, key: Int64, wait: Double, workName: String? = nil) throws -> Acquisition {
        try acquire(on: connection, locks: [Lock(key: key, name: "advisory lock \(key)")], wait: wait, workName: workName)
    }

    /// Takes every lock of `locks`, in that order, all or none (see the type's comment); the
    /// rest as `acquire(on:key:wait:workName:)`. `.taken` names the lock that was busy.
    public static func acquire(on connection: PostgresConnection, locks: [Lock], wait: Double, workName: String? = nil) throws -> Acquisition {
        precondition(!locks.isEmpty, "a lease needs a lock")
        let deadline = Date().addingTimeInterval(wait)
        do {
            while true {
                try connection.execute("BEGIN; SET LOCAL idle_in_transaction_session_timeout = 0")
                var busy: Lock?
                for lock in locks {
                    if try !connection.tryAdvisoryTransactionLock(lock.key, shared: lock.shared) {
                        busy = lock
                        break
                    }
                }
                guard let busy else {
                    let lease = AdvisoryLease(locks: locks, connection: connection)
                    guard let workName else { return .acquired(lease) }
                    let stragglers = try lease.waitForOthers(applicationName: workName, wait: max(0, deadline.timeIntervalSinceNow))
                    guard stragglers.isEmpty else {
                        lease.release()
                        return .stragglers(described: stragglers.map { "pid \($0.pid) \($0.state)" }.joined(separator: ", "))
                    }
                    return .acquired(lease)
                }
                let holder = Date() >= deadline ? ((try? describeHolder(connection, key: busy.key)) ?? "") : nil
                try connection.execute("ROLLBACK")
                if let holder {
                    connection.close()
                    return .taken(holder: holder, lock: busy)
                }
                Thread.sleep(forTimeInterval: 0.25)
            }
        } catch {
            connection.close()
            throw error
        }
    }

    /// The PostgreSQL pid of the lease's server session (pinned by its open transaction, so
    /// stable through a pooler too).
    public func backendPID() throws -> Int32 {
        Int32(try connection.query("select pg_backend_pid()").scalar ?? "") ?? 0
    }

    /// Waits up to `wait` seconds until no other backend named `applicationName` is running a
    /// statement or holds a transaction open; returns those still at it then (empty: all clear).
    ///
    /// These are an earlier, killed job's work connections: its lock ended with its process,
    /// but the server finishes a statement before it notices the client is gone. Idle
    /// backends do not count: a pooler keeps the last client's name on its idle server
    /// connections. A pooler may append ` - host:port` to the name
    /// (`application_name_add_host`), so that form matches too. PostgreSQL shows the state of
    /// another role's backends only to a superuser or `pg_read_all_stats`, so the jobs' work
    /// connections are found when they log in as the same role, as a tool's runs do.
    ///
    /// `acquire` lets go of the lock again when stragglers remain, and the jobs here stop with
    /// an error that names them rather than end them with `pg_terminate_backend`: the name is only a
    /// label any client can set (an operator's psql, a monitoring query), terminating needs a
    /// privilege the tool's role may lack, and a statement that outlives the wait is something
    /// a person should look at.
    public func waitForOthers(applicationName: String, wait: Double) throws -> [Straggler] {
        let deadline = Date().addingTimeInterval(wait)
        while true {
            // pg_stat_activity is read once per transaction and cached; the lease's transaction
            // stays open, so each look starts by dropping that cache.
            try connection.query("select pg_stat_clear_snapshot()")
            let rows = try connection.query("""
                select pid, state from pg_stat_activity
                where (application_name = $1 or starts_with(application_name, $1 || ' - '))
                  and state in ('active', 'idle in transaction', 'idle in transaction (aborted)', 'fastpath function call')
                  and pid <> pg_backend_pid()
                order by pid
                """, [.text(applicationName)])
            let stragglers = (0..<rows.rowCount).map { Straggler(pid: Int32(rows[$0, 0] ?? "") ?? 0, state: rows[$0, 1] ?? "") }
            if stragglers.isEmpty || Date() >= deadline { return stragglers }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Throws unless the lease still holds the lock: its connection is up and its transaction
    /// open. A server timeout, an administrator or a pooler may have ended it.
    public func confirm() throws {
        do {
            try connection.query("select 1")
            guard connection.isInTransaction else { throw PostgresError(code: .connectionLost, message: "its transaction has ended") }
        } catch let error as PostgresError {
            throw PostgresError(code: error.code, message: "the advisory lock's session ended while the job was running (\(error.message)), so it no longer excludes another job",
                                context: "confirming \(locks.map(\.name).joined(separator: " and "))")
        }
    }

    /// Rolls the transaction back, which releases the lock, and closes the connection. Safe to
    /// call twice.
    public func release() {
        guard connection.isOpen else { return }
        if connection.isInTransaction { _ = try? connection.execute("ROLLBACK") }
        connection.close()
    }

    /// A session holding an advisory lock, as `holders` sees it.
    public struct Holder: Sendable, Equatable {
        public var pid: Int32
        public var applicationName: String
        /// The holder's transaction start (the moment a lease was taken), or its session start
        /// for a session lock, as `2026-11-23T19:36:58Z`.
        public var since: String
    }

    /// The sessions holding the advisory lock `key` (at most one, unless it is shared).
    public static func holders(_ connection: PostgresConnection, key: Int64) throws -> [Holder] {
        let result = try connection.query("""
            select a.pid, coalesce(a.application_name, ''),
                   coalesce(to_char(coalesce(a.xact_start, a.backend_start) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '?')
            from pg_locks l join pg_stat_activity a on a.pid = l.pid
            where l.locktype = 'advisory' and l.granted and l.objsubid = 1
              and l.classid = (($1::bigint >> 32) & 4294967295)::oid and l.objid = ($1::bigint & 4294967295)::oid
            order by a.pid
            """, [PostgresValue(key)])
        return (0..<result.rowCount).map { Holder(pid: Int32(result[$0, 0] ?? "") ?? 0, applicationName: result[$0, 1] ?? "", since: result[$0, 2] ?? "?") }
    }

    /// ` (held by backfill run lock, host pid 12, PostgreSQL pid 345, since 2026-…Z)`: who has
    /// the lock `key`, for a message; empty when nobody can be seen holding it.
    public static func describeHolder(_ connection: PostgresConnection, key: Int64) throws -> String {
        guard let holder = try holders(connection, key: key).first else { return "" }
        let name = holder.applicationName.isEmpty ? "" : "\(holder.applicationName), "
        return " (held by \(name)PostgreSQL pid \(holder.pid), since \(holder.since))"
    }

    /// `<job> lock, <host> pid <pid>`, fitted to an application name: the lease connection's
    /// name, which `describeHolder` shows to the job turned away.
    public static func holderName(job: String) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count - 1) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown host"
        return ApplicationName.fitting("\(job) lock, \(host) pid \(getpid())")
    }

    /// A stable 64-bit advisory lock key for `text` (FNV-1a).
    public static func key(_ text: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int64(bitPattern: hash)
    }
}
