import Postgres
import Store

/// The locks a run holds from before it touches anything until it ends: its state schema's (one
/// run per event log) and its target schema's (no import, replay or cleanup of the tables
/// meanwhile), through `WriterLocks`.
public enum RunLock {
    /// Takes both on a connection of its own (an `AdvisoryLease`: a transaction kept open, so it
    /// holds through a transaction-mode pooler too), waiting up to `wait` seconds for another
    /// holder. Then, within the same `wait`, for an earlier, killed run's statements that the
    /// server is still executing: they would otherwise overlap this run's first batches.
    /// Throws `WriterLockBusy`.
    static func take(state: StateSchema, target: TargetSchema, wait: Double, connector: Connector, job: String = "backfill run") throws -> AdvisoryLease {
        let connection = try connector.connect(AdvisoryLease.holderName(job: job), tuned: false)
        let stateLock = WriterLocks.state(state.name)
        return try WriterLocks.acquire(
            [stateLock, WriterLocks.schema(target.name)], on: connection, wait: wait,
            workName: applicationName(stateSchema: state.name),
            earlierJob: "an earlier backfill run against state schema \(state.name)"
        ) { lock, holder in
            lock == stateLock ? "another backfill is already running against state schema \(state.name)\(holder)"
                : "another backfill command is writing target schema \(target.name)\(holder)"
        }
    }

    /// The `application_name` of every work connection of a run on `stateSchema`: how the next
    /// run finds this one's statements still executing after it was killed.
    public static func applicationName(stateSchema: String) -> String {
        ApplicationName.fitting("backfill run \(stateSchema)")
    }
}
