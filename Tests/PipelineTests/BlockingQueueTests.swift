import Pipeline
import Synchronization
import Testing
import TestSupport

@Suite("BlockingQueue")
struct BlockingQueueTests {
    struct Failed: Error, Equatable {}

    @Test("items come out in the order they went in, across many wrap-arounds of a small queue")
    func order() throws {
        let queue = BlockingQueue<Int>(capacity: 3)
        let producer = OnThread { () -> Result<Void, any Error> in
            Result {
                for item in 0..<1_000 { try queue.push(item) }
                queue.finish()
            }
        }
        var seen: [Int] = []
        while let item = try queue.pop() { seen.append(item) }
        try producer.join().get()
        #expect(seen == Array(0..<1_000))
    }

    @Test("a producer waits once `capacity` items wait, and goes on when one is taken")
    func capacity() throws {
        let queue = BlockingQueue<Int>(capacity: 2)
        let pushed = ConditionLocked(0)
        let producer = OnThread { () -> Result<Void, any Error> in
            Result {
                for item in 0..<3 {
                    try queue.push(item)
                    pushed.withLock { $0 += 1 }
                }
            }
        }
        // Two fit; the third push blocks. (A queue without a bound would reach 3 here at once.)
        #expect(pushed.withLock(waitingUntil: { $0 == 2 }, timeout: .seconds(30)) { _ in } != nil)
        #expect(pushed.withLock(waitingUntil: { $0 > 2 }, timeout: .milliseconds(200)) { _ in } == nil)
        #expect(try queue.pop() == 0)
        #expect(pushed.withLock(waitingUntil: { $0 == 3 }, timeout: .seconds(30)) { _ in } != nil)
        try producer.join().get()
        #expect(try queue.pop() == 1)
        #expect(try queue.pop() == 2)
    }

    @Test("after finish, pop returns what is left and then nil, every time")
    func finish() throws {
        let queue = BlockingQueue<String>(capacity: 4)
        try queue.push("a")
        try queue.push("b")
        queue.finish()
        #expect(try queue.pop() == "a")
        #expect(try queue.pop() == "b")
        #expect(try queue.pop() == nil)
        #expect(try queue.pop() == nil)
    }

    @Test("finish(throwing:) hands the producer's error to the consumer, waiting or not")
    func finishThrowing() throws {
        let queue = BlockingQueue<Int>(capacity: 4)
        let consumer = OnThread { () -> Result<Int?, any Error> in Result { try queue.pop() } }
        queue.finish(throwing: Failed())
        #expect(throws: Failed.self) { try consumer.join().get() }
        #expect(throws: Failed.self) { try queue.pop() }
    }

    @Test("cancel wakes a producer blocked on a full queue; its finish then wakes a consumer blocked on the empty one")
    func cancelWakesBothSides() throws {
        let queue = BlockingQueue<Int>(capacity: 1)
        try queue.push(0)
        let producerBlocked = ConditionLocked(false)
        let producer = OnThread { () -> (any Error)? in
            producerBlocked.withLock { $0 = true }
            do {
                try queue.push(1)  // full: waits
                return nil
            } catch {
                queue.finish(throwing: error)  // what a producer does when its consumer gives up
                return error
            }
        }
        #expect(producerBlocked.withLock(waitingUntil: { $0 }, timeout: .seconds(30)) { _ in } != nil)
        #expect(producer.join(timeout: .milliseconds(200)) == nil, "the push into a full queue returned")
        queue.cancel()  // the first consumer gives up
        let producerError = try #require(producer.join(timeout: .seconds(30)), "the producer was not woken by cancel")
        #expect(producerError is BlockingQueue<Int>.Cancelled)

        // A second consumer that was waiting (or comes later) sees the end, not a hang.
        let consumer = OnThread { () -> Result<Int?, any Error> in Result { try queue.pop() } }
        let popped = try #require(consumer.join(timeout: .seconds(30)), "the consumer was not woken")
        #expect(throws: BlockingQueue<Int>.Cancelled.self) { try popped.get() }
        #expect(throws: BlockingQueue<Int>.Cancelled.self) { try queue.push(2) }
    }

    @Test("a popped item and, on cancel, every queued item are released at once, not when the queue is next compacted")
    func releasesItems() throws {
        let freed = Freed()
        let queue = BlockingQueue<Token>(capacity: 4)
        for _ in 0..<3 { try queue.push(Token(freed)) }
        _ = try queue.pop()
        #expect(freed.count == 1)
        queue.cancel()
        #expect(freed.count == 3)
    }
}

/// Counts `Token`s freed.
final class Freed: Sendable {
    private let freed = Mutex(0)
    func add() { freed.withLock { $0 += 1 } }
    var count: Int { freed.withLock { $0 } }
}

final class Token: Sendable {
    let freed: Freed
    init(_ freed: Freed) { self.freed = freed }
    deinit { freed.add() }
}
