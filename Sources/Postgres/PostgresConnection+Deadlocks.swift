import Foundation

extension PostgresConnection {
    /// Runs `body` (a whole transaction) again when PostgreSQL aborted it as a deadlock victim
    /// (40P01): it rolled back whole, and the transaction it deadlocked with has committed or
    /// will. Up to `attempts` tries, each after a short random pause that grows.
    public static func retryingDeadlocks<T>(attempts: Int = 5, _ body: () throws -> T) throws -> T {
        for attempt in 1... {
            do {
                return try body()
            } catch let error as PostgresError where error.sqlState == "40P01" && attempt < attempts {
                Thread.sleep(forTimeInterval: Double.random(in: 0.01...0.1) * Double(attempt))
            }
        }
        fatalError("unreachable")
    }
}
