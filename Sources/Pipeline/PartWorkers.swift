import Synchronization

/// Runs the parts of one job side by side: part 0 on the calling thread, the others on threads
/// of their own (they make blocking libpq, librdkafka and zstd calls, which must stay off
/// Swift's cooperative pool). Waits for all of them; the first failure is rethrown and tells the
/// other parts to stop early (they check `shouldStop` between chunks or batches). Snapshot
/// export parts, ingest workers and embedding workers all run this way.
public final class PartWorkers: Sendable {
    /// Thrown by a part that stopped because another one failed; never the error reported.
    public struct Stopped: Error {
        public init() {}
    }

    /// The first real failure (never `Stopped`).
    private let failure = Mutex<(any Error)?>(nil)

    private init() {}

    /// True once a part has failed: the others should throw `Stopped` at their next chance.
    public var shouldStop: Bool { failure.withLock { $0 != nil } }

    private func fail(_ error: any Error) {
        failure.withLock { failure in
            if failure == nil, !(error is Stopped) { failure = error }
        }
    }

    /// Runs `first` (part 0) here and `other` for parts 1..<count on threads; returns the parts'
    /// results in part order.
    public static func run<Result: Sendable>(
        count: Int, name: String,
        first: (PartWorkers) throws -> Result,
        other: @escaping @Sendable (Int, PartWorkers) throws -> Result
    ) throws -> [Result] {
        let workers = PartWorkers()
        let results = ResultSlots<Result>(count: count)
        let threads = (1..<max(count, 1)).map { part in
            WorkerThread(name: "\(name)-\(part)") {
                do { results.set(part, try other(part, workers)) } catch { workers.fail(error) }
            }
        }
        do { results.set(0, try first(workers)) } catch { workers.fail(error) }
        for thread in threads { thread.join() }
        if let failure = workers.failure.withLock({ $0 }) { throw failure }
        return try results.all()
    }
}
