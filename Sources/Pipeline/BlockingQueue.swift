/// A bounded hand-off between producer and consumer threads (one or several on each side): a
/// producer blocks when `capacity` items wait, which is what bounds the memory of a streamed
/// diff or of rows folded faster than they can be written. When a consumer cancels, the
/// producers' next `push` throws; they end the queue (`finish(throwing:)`), which wakes the
/// other consumers.
public final class BlockingQueue<Element: Sendable>: Sendable {
    /// Thrown to the producer after the consumer gave up; it only needs to stop.
    public struct Cancelled: Error {
        public init() {}
    }

    private struct State: Sendable {
        /// Popped slots are set to nil at once, so a consumed batch is freed when the consumer is
        /// done with it rather than when the array is next compacted.
        var items: [Element?] = []
        var head = 0
        var finished = false
        var failure: (any Error)?
        var cancelled = false

        var waiting: Int { items.count - head }
    }

    private let capacity: Int
    private let state = ConditionLocked(State())

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Waits for room, then adds `item`; throws `Cancelled` once the consumer has cancelled.
    public func push(_ item: Element) throws {
        try state.withLock(waitingUntil: { $0.waiting < capacity || $0.cancelled }) { state in
            if state.cancelled { throw Cancelled() }
            state.items.append(item)
        }
    }

    /// Ends the stream: `pop` returns nil after the remaining items, or throws `error`.
    public func finish(throwing error: (any Error)? = nil) {
        state.withLock { state in
            state.finished = true
            state.failure = error
        }
    }

    /// The next item, waiting for it; nil at the end; the producer's error if it failed.
    public func pop() throws -> Element? {
        try state.withLock(waitingUntil: { $0.waiting > 0 || $0.finished }) { state in
            if let failure = state.failure { throw failure }
            guard state.head < state.items.count else { return nil }
            let item = state.items[state.head]
            state.items[state.head] = nil
            state.head += 1
            if state.head > 64 && state.head * 2 > state.items.count {
                state.items.removeFirst(state.head)
                state.head = 0
            }
            return item
        }
    }

    /// The consumer stops listening: a waiting or later `push` throws, queued items are dropped.
    public func cancel() {
        state.withLock { state in
            state.cancelled = true
            state.items.removeAll()
            state.head = 0
        }
    }
}
