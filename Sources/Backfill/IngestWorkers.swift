import Foundation
import Kafka
import Synchronization

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

/// Records committed so far by all ingest workers: each reports progress from its own thread.
final class IngestProgress: Sendable {
    private let done: Mutex<Int64>

    init(done: Int64) { self.done = Mutex(done) }

    /// Adds a committed batch; returns the new total.
    func add(_ records: Int) -> Int64 {
        done.withLock { done in done += Int64(records); return done }
    }
}
