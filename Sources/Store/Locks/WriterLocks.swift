import Postgres

/// The advisory locks of every command that writes, in one place so that the commands agree on
/// keys, modes and order. Held by an `AdvisoryLease` (a transaction kept open on a connection
/// of its own), so they hold through a transaction-mode pooler and end with the process.
///
/// - **state schema** (exclusive): a run's event log and progress; one run per state schema.
/// - **schema** of the tables written: exclusive for a command that writes a schema's tables as
///   a whole — `run` and `nightly` into their target, `replay`, `snapshot import` (which may swap
///   the whole schema), `cleanup-legacy --confirm` — so that none of them interleaves with
///   another; shared for `embed`, which writes only its own table there, so that embeddings
///   into two tables of one schema still run side by side.
/// - **table** (exclusive): the table `embed` writes.
///
/// A lease asks in that order (state, schema, table), all or none; see `AdvisoryLease`.
public enum WriterLocks {
    public static func state(_ schema: String) -> AdvisoryLease.Lock {
        AdvisoryLease.Lock(key: AdvisoryLease.key("backfill:\(schema)"), name: "state schema \(schema)")
    }

    /// The nightly job's own lock for one shadow schema: distinct from the state schema's (which
    /// the night's run takes as well), so a second night is turned away at once.
    public static func nightly(_ shadowSchema: String) -> AdvisoryLease.Lock {
        AdvisoryLease.Lock(key: AdvisoryLease.key("backfill:nightly:\(shadowSchema)"), name: "the nightly of \(shadowSchema)")
    }

    public static func schema(_ name: String, shared: Bool = false) -> AdvisoryLease.Lock {
        AdvisoryLease.Lock(key: AdvisoryLease.key("backfill-schema:\(name)"), shared: shared, name: "schema \(name)")
    }

    /// `qualified` as `schema.table`.
    public static func table(_ qualified: String) -> AdvisoryLease.Lock {
        AdvisoryLease.Lock(key: AdvisoryLease.key("backfill-embed:\(qualified)"), name: "table \(qualified)")
    }

    /// Takes `locks` on `connection` (which the lease owns from here on), waiting up to `wait`
    /// seconds, then — with `workName` — for a killed earlier job's statements (`earlierJob`
    /// names that job in the message: "an earlier backfill run against state schema x").
    /// Throws `WriterLockBusy` naming the holder when it cannot; `busyMessage` may phrase that
    /// sentence for a lock (nil: the general one).
    public static func acquire(
        _ locks: [AdvisoryLease.Lock], on connection: PostgresConnection, wait: Double,
        workName: String? = nil, earlierJob: String = "an earlier job",
        busyMessage: (AdvisoryLease.Lock, _ holder: String) -> String? = { _, _ in nil }
    ) throws -> AdvisoryLease {
        let waited = "(waited \(Int(wait.rounded())) s)"
        switch try AdvisoryLease.acquire(on: connection, locks: locks, wait: wait, workName: workName) {
        case .acquired(let lease):
            return lease
        case .taken(let holder, let lock):
            let message = busyMessage(lock, holder)
                ?? "another backfill command is writing \(lock.name)\(holder.isEmpty ? " (holder not visible to this role)" : holder)"
            throw WriterLockBusy(lock: lock, message: "\(message) \(waited); wait for it or stop it")
        case .stragglers(let pids):
            throw WriterLockBusy(lock: nil, message: "statements of \(earlierJob) are still executing on PostgreSQL (\(pids)) after \(Int(wait.rounded())) s; wait for them to end or end them with pg_terminate_backend(pid)")
        }
    }
}

/// Another command holds a lock this one needs (or an earlier killed job's statements are
/// still running): nothing was done. The CLI reports it with exit code 3, which cron can tell
/// from a failure.
public struct WriterLockBusy: Error, Sendable, CustomStringConvertible {
    /// The lock that was busy; nil for statements still running.
    public var lock: AdvisoryLease.Lock?
    public var message: String

    public init(lock: AdvisoryLease.Lock?, message: String) {
        self.lock = lock
        self.message = message
    }

    public var description: String { message }
}
