import Foundation

/// Runs the parts of one job side by side: part 0 on the calling thread, the others on threads
/// of their own (they make blocking libpq, librdkafka and zstd calls, which must stay off
/// Swift's cooperative pool). Waits for all of them; the first failure is rethrown and tells the
/// other parts to stop early (they check `shouldStop` between chunks or batches). Snapshot
/// export parts, ingest workers and embedding workers all run this way.
///
/// `@unchecked Sendable`: its state is only touched with `lock` held.
public final class PartWorkers: @unchecked Sendable {
    /// Thrown by a part that stopped because another one failed; never the error reported.
    public struct Stopped: Error {
        public init() {}
    }

    private let lock = NSLock()
    private var failure: (any Error)?

    private init() {}

    /// True once a part has failed: the others should throw `Stopped` at their next chance.
    public var shouldStop: Bool { lock.withLock { failure != nil } }

    private func fail(_ error: any Error) {
        lock.withLock {
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
        let finished = DispatchGroup()
        for part in 1..<max(count, 1) {
            finished.enter()
            let thread = Thread {
                defer { finished.leave() }
                do { results.set(part, try other(part, workers)) } catch { workers.fail(error) }
            }
            thread.name = "\(name)-\(part)"
            thread.start()
        }
        do { results.set(0, try first(workers)) } catch { workers.fail(error) }
        finished.wait()
        if let failure = workers.lock.withLock({ workers.failure }) { throw failure }
        return try results.all()
    }
}
