import Foundation
import Kafka

/// Splits a run's ranges into groups of whole partitions, one group per ingest worker, so each
/// worker's batches (and their progress rows) touch partitions no other worker touches.
///
/// Largest range first onto the least loaded group, so the workers finish close together.
enum IngestWorkers {
    static func split(_ ranges: [OffsetRange], into workers: Int) -> [[OffsetRange]] {
        let work = ranges.filter { !$0.isEmpty }
        let count = max(1, min(workers, work.count))
        var groups = Array(repeating: [OffsetRange](), count: count)
        var load = Array(repeating: Int64(0), count: count)
        for range in work.sorted(by: { ($0.count, $1.partition) > ($1.count, $0.partition) }) {
            let lightest = load.indices.min { (load[$0], $0) < (load[$1], $1) }!
            groups[lightest].append(range)
            load[lightest] += range.count
        }
        return groups.filter { !$0.isEmpty }.map { $0.sorted { $0.partition < $1.partition } }
    }
}

/// State the ingest threads share: records done, and the first failure, which stops the others.
final class IngestCoordination: @unchecked Sendable {
    private let lock = NSLock()
    private var done: Int64
    private var failure: (any Error)?

    init(done: Int64) { self.done = done }

    /// Adds a committed batch; returns the new total.
    func add(_ records: Int) -> Int64 {
        lock.withLock { done += Int64(records); return done }
    }

    func fail(_ error: any Error) {
        lock.withLock { if failure == nil { failure = error } }
    }

    var firstFailure: (any Error)? { lock.withLock { failure } }

    /// Runs one worker: its error becomes the first failure unless a sibling's already is.
    func run(_ worker: () throws -> Void) {
        do {
            try worker()
        } catch is Stopped {
        } catch {
            fail(error)
        }
    }

    /// Thrown inside a worker whose sibling failed, to end its read at the next batch.
    struct Stopped: Error {}
}
