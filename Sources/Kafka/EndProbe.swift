import CRdKafka
import Foundation
import Synchronization

/// Watches the ends of the partitions a `TailReader` has paused because it read them to the end,
/// and wakes the reader when one has grown.
///
/// Why: a Kafka broker holds a fetch at the end of a partition for `fetch.wait.max.ms` (a long
/// poll), but a broker that answers at once — the test broker does — has librdkafka fetch in a
/// tight loop: about 2,000 requests a second and half a core, for a follower with nothing to do,
/// taken from the embedding service or PostgreSQL beside it. So the reader pauses a partition
/// it has read to its end, and this thread asks that partition's high watermark every
/// `interval` (one small request each); when it has grown, the reader resumes the partition.
/// A record produced meanwhile waits at most `interval` more to be fetched.
///
/// A thread of its own because asking a partition's leader blocks while that broker is away
/// (librdkafka 2.0 waits about 20 s whatever the timeout): the reader's loop, which must answer
/// a stop at once, never makes that request itself. The thread holds the client handle and owns
/// the reader's queue (it destroys it when it ends, at its next look after `stop`), so it may
/// outlive its reader without a dangling pointer.
final class EndProbe: Sendable {
    private struct State {
        /// Paused partitions and the offset each was read to.
        var resting: [Int32: Int64] = [:]
        /// Partitions whose high watermark passed that offset, with the watermark seen.
        var grown: [Int32: Int64] = [:]
        /// Partitions just resumed, to be asked about at once (see `nudge`).
        var nudged: Set<Int32> = []
        var stopped = false
    }

    private let handle: ClientHandle
    private let topic: String
    private let interval: Duration
    private let state = Mutex(State())
    private let bell = DispatchSemaphore(value: 0)
    /// The reader's queue: woken when a partition has grown, destroyed when the probe ends.
    private let queue: QueuePointer

    init(handle: ClientHandle, topic: String, queue: OpaquePointer, interval: Duration) {
        self.handle = handle
        self.topic = topic
        self.interval = interval
        self.queue = QueuePointer(queue)
        let thread = Thread { [self] in run() }
        thread.start()
    }

    /// `partition` is paused, read up to `offset`.
    func rest(_ partition: Int32, readTo offset: Int64) {
        state.withLock { state in
            state.resting[partition] = offset
            state.grown[partition] = nil
        }
    }

    /// Partitions that have grown since they were paused, with their high watermark; they are
    /// no longer watched (the reader resumes them).
    func takeGrown() -> [Int32: Int64] {
        state.withLock { state in
            let grown = state.grown
            for partition in grown.keys { state.resting[partition] = nil }
            state.grown = [:]
            return grown
        }
    }

    /// `partitions` were just resumed: a request on the client at once wakes its broker thread,
    /// which otherwise notices a resume only at its next round (up to a second later).
    func nudge(_ partitions: [Int32]) {
        state.withLock { $0.nudged.formUnion(partitions) }
        bell.signal()
    }

    func stop() {
        state.withLock { $0.stopped = true }
        bell.signal()
    }

    private func run() {
        while true {
            _ = bell.wait(timeout: .now() + .milliseconds(Int(interval.clampedMilliseconds)))
            guard let (resting, nudged) = state.withLock({ state -> ([Int32: Int64], Set<Int32>)? in
                defer { state.nudged = [] }
                return state.stopped ? nil : (state.resting, state.nudged)
            }) else {
                rd_kafka_queue_destroy(queue.pointer)
                return
            }
            for partition in nudged.sorted() {
                var low: Int64 = -1
                var high: Int64 = -1
                _ = rd_kafka_query_watermark_offsets(handle.pointer, topic, partition, &low, &high, 2_000)
            }
            var grew = false
            for (partition, readTo) in resting.sorted(by: { $0.key < $1.key }) {
                var low: Int64 = -1
                var high: Int64 = -1
                guard rd_kafka_query_watermark_offsets(handle.pointer, topic, partition, &low, &high, 2_000) == RD_KAFKA_RESP_ERR_NO_ERROR,
                      high > readTo else { continue }
                state.withLock { state in
                    guard state.resting[partition] == readTo else { return }  // resumed or re-paused meanwhile
                    state.grown[partition] = high
                }
                grew = true
            }
            if grew { rd_kafka_queue_yield(queue.pointer) }
        }
    }
}

/// A librdkafka queue handed to the probe's thread (its calls are thread-safe).
struct QueuePointer: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}
