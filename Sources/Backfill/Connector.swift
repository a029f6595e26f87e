import Foundation
import Logging
import Postgres

/// Opens a run's connections: named, so a later run can find this one's statements still
/// executing after it was killed (`RunLock`), and retried while PostgreSQL refuses for a reason
/// a restart or failover explains.
struct Connector: Sendable {
    let postgres: PostgresConfiguration
    /// Attempts before giving up; waits double from 0.5 s (at most 8 s) between them.
    let attempts: Int
    let logger: Logger

    /// A work connection named `applicationName`.
    ///
    /// Staging tables live in `temp_buffers`, so a `tuned` session asks for room to keep them in
    /// memory. It is the one session setting (commits skip the WAL flush with `SET LOCAL
    /// synchronous_commit` inside each batch instead), and it is only a hint: through a
    /// transaction-mode pooler whose server connection already used temporary tables at another
    /// size PostgreSQL refuses it, and the run goes on with the server's default.
    func connect(_ applicationName: String, tuned: Bool = true) throws -> PostgresConnection {
        var delay = 0.5
        for attempt in 1... {
            do {
                let connection = try PostgresConnection.connect(postgres, applicationName: applicationName, applicationNameOverridesURL: true)
                guard tuned else { return connection }
                do {
                    try connection.execute("set temp_buffers = '256MB'")
                } catch let error as PostgresError where !error.isConnectionError {
                    logger.debug("temp_buffers left at the server's default", metadata: ["reason": "\(error)"])
                }
                return connection
            } catch let error as PostgresError where error.isConnectionError && attempt < attempts {
                logger.warning("PostgreSQL refused the connection; retrying", metadata: ["attempt": "\(attempt)", "wait_s": "\(delay)", "error": "\(error)"])
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 8)
            }
        }
        fatalError("unreachable")
    }
}
