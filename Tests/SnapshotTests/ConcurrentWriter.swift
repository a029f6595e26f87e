import Postgres
import Synchronization
import TestSupport

/// Runs one statement over and over (each its own transaction) on a thread of its own until
/// stopped, to change a table while something reads it.
final class ConcurrentWriter: Sendable {
    private let configuration: PostgresConfiguration
    private let statement: String
    private let stopping = Mutex(false)
    /// The thread, once started; it returns how many statements committed.
    private let thread = Mutex<OnThread<Result<Int, any Error>>?>(nil)

    init(configuration: PostgresConfiguration, statement: String) {
        self.configuration = configuration
        self.statement = statement
    }

    func start() {
        let started = OnThread(name: "snapshot-tests-writer") { [self] () -> Result<Int, any Error> in
            Result {
                let connection = try PostgresConnection.connect(configuration, applicationName: "backfill-snapshot-tests-writer")
                defer { connection.close() }
                var commits = 0
                while !stopping.withLock({ $0 }) {
                    try connection.execute(statement)
                    commits += 1
                }
                return commits
            }
        }
        thread.withLock { $0 = started }
    }

    /// Stops, waits for the thread, and returns how many statements committed.
    @discardableResult
    func stop() throws -> Int {
        stopping.withLock { $0 = true }
        guard let running = thread.withLock({ $0 }) else { return 0 }
        return try running.join().get()
    }
}
