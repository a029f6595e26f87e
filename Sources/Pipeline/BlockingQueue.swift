import Foundation

/// A bounded hand-off between producer and consumer threads (one or several on each side): a
/// producer blocks when `capacity` items wait, which is what bounds the memory of a streamed
/// diff or of rows folded faster than they can be written. When a consumer cancels, the
/// producers' next `push` throws; they end the queue (`finish(throwing:)`), which wakes the
/// other consumers.
///
/// `@unchecked Sendable` because every stored property is only touched with `condition` held.
public final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
    /// Thrown to the producer after the consumer gave up; it only needs to stop.
    public struct Cancelled: Error {
        public init() {}
    }

    private let condition = NSCondition()
    private let capacity: Int
    /// Popped slots are set to nil at once, so a consumed batch is freed when the consumer is
    /// done with it rather than when the array is next compacted.
    private var items: [Element?] = []
    private var head = 0
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Waits for room, then adds `item`; throws `Cancelled` once the consumer has cancelled.
    public func push(_ item: Element) throws {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        items.append(item)
        condition.broadcast()
    }

    /// Ends the stream: `pop` returns nil after the remaining items, or throws `error`.
    public func finish(throwing error: (any Error)? = nil) {
        condition.lock()
        defer { condition.unlock() }
        finished = true
        failure = error
        condition.broadcast()
    }

    /// The next item, waiting for it; nil at the end; the producer's error if it failed.
    public func pop() throws -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !finished { condition.wait() }
        if let failure { throw failure }
        guard head < items.count else { return nil }
        let item = items[head]
        items[head] = nil
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }

    /// The consumer stops listening: a waiting or later `push` throws, queued items are dropped.
    public func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        items.removeAll()
        head = 0
        condition.broadcast()
    }
}
