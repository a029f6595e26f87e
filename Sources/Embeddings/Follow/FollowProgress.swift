import Foundation
import Synchronization

/// What the follower has committed and what it has read but not yet committed, across
/// sessions (a session ends when PostgreSQL goes away and a new one starts when it is back).
/// The loop and the committer write it; the monitor reads it for the consumer-group commit and
/// for lag.
final class FollowProgress: Sendable {
    private struct State {
        /// Per partition, the next offset to apply, as committed with the rows.
        var committed: [Int32: Int64] = [:]
        /// The first record of each partition in the batch being gathered.
        var pending: [Int32: RecordMark] = [:]
        /// The first records of the batches cut and not yet committed, by sequence.
        var inFlight: [Int: [Int32: RecordMark]] = [:]
        /// The oldest record a finished session had read but not committed, kept until a commit
        /// passes it, so lag in seconds stays known while PostgreSQL is down.
        var carried: [Int32: RecordMark] = [:]
        /// Partitions the monitor found added to the topic, with the offset to start at.
        var added: [Int32: Int64] = [:]
        /// The high watermarks the reader last saw in a fetch answer, and when it looked.
        var highs: [Int32: Int64] = [:]
        var highsAt: ContinuousClock.Instant?
    }

    private let state = Mutex(State())

    var committed: [Int32: Int64] { state.withLock { $0.committed } }

    /// The start of a session: where it begins reading.
    func started(at positions: [Int32: Int64]) {
        state.withLock { state in
            for (partition, offset) in positions where state.committed[partition] == nil { state.committed[partition] = offset }
        }
    }

    func gathering(_ firstRecords: [Int32: RecordMark]) {
        state.withLock { $0.pending = firstRecords }
    }

    func cut(_ batch: FollowBatch) {
        state.withLock { state in
            state.inFlight[batch.sequence] = batch.firstRecords
            state.pending = [:]
        }
    }

    func committed(_ batch: FollowBatch) {
        state.withLock { state in
            state.inFlight.removeValue(forKey: batch.sequence)
            for (partition, offset) in batch.positions {
                state.committed[partition] = offset
                if let carried = state.carried[partition], carried.offset < offset { state.carried.removeValue(forKey: partition) }
            }
        }
    }

    /// A session ended: what it read and did not commit is still to do.
    func sessionEnded() {
        state.withLock { state in
            var oldest = state.carried
            for marks in Array(state.inFlight.values) + [state.pending] {
                for (partition, mark) in marks where oldest[partition].map({ mark.offset < $0.offset }) ?? true {
                    oldest[partition] = mark
                }
            }
            state.carried = oldest
            state.inFlight = [:]
            state.pending = [:]
        }
    }

    /// Per partition, the timestamp (ms) of the oldest record read and not committed.
    func oldestUnapplied() -> [Int32: Int64] {
        state.withLock { state in
            var oldest: [Int32: RecordMark] = state.carried
            for marks in Array(state.inFlight.values) + [state.pending] {
                for (partition, mark) in marks where oldest[partition].map({ mark.offset < $0.offset }) ?? true {
                    oldest[partition] = mark
                }
            }
            return oldest.compactMapValues(\.timestamp)
        }
    }

    /// The reader's cached high watermarks (no request: from its fetch answers).
    func saw(highWatermarks: [Int32: Int64]) {
        guard !highWatermarks.isEmpty else { return }
        state.withLock { state in
            state.highs.merge(highWatermarks) { $1 }
            state.highsAt = .now
        }
    }

    /// The high watermarks the reader saw within `maxAge`, if it looked that recently.
    func recentHighWatermarks(maxAge: Duration) -> [Int32: Int64]? {
        state.withLock { state in
            guard let at = state.highsAt, ContinuousClock.now - at <= maxAge else { return nil }
            return state.highs
        }
    }

    /// The monitor found `partition` new on the topic.
    func add(partition: Int32, at offset: Int64) {
        state.withLock { state in
            guard state.committed[partition] == nil, state.added[partition] == nil else { return }
            state.added[partition] = offset
        }
    }

    /// New partitions for the loop to start reading; each is handed out once.
    func takeAdded() -> [Int32: Int64] {
        state.withLock { state in
            defer { state.added = [:] }
            return state.added
        }
    }
}
