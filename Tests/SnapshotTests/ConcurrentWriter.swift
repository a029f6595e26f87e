import Foundation
import Postgres

/// Runs one statement over and over (each its own transaction) on a thread of its own until
/// stopped, to change a table while something reads it.
///
/// `@unchecked Sendable`: its state is only touched with `lock` held.
final class ConcurrentWriter: @unchecked Sendable {
    private let configuration: PostgresConfiguration
    private let statement: String
    private let lock = NSLock()
    private var stopping = false
    private var commits = 0
    private var failure: (any Error)?
    private let done = DispatchSemaphore(value: 0)

    init(configuration: PostgresConfiguration, statement: String) {
        self.configuration = configuration
        self.statement = statement
    }

    func start() {
        Thread { [self] in
            defer { done.signal() }
            do {
                let connection = try PostgresConnection.connect(configuration, applicationName: "backfill-snapshot-tests-writer")
                defer { connection.close() }
                while !lock.withLock({ stopping }) {
                    try connection.execute(statement)
                    lock.withLock { commits += 1 }
                }
            } catch {
                lock.withLock { failure = error }
            }
        }.start()
    }

    /// Stops, waits for the thread, and returns how many statements committed.
    @discardableResult
    func stop() throws -> Int {
        lock.withLock { stopping = true }
        done.wait()
        return try lock.withLock {
            if let failure { throw failure }
            return commits
        }
    }
}
