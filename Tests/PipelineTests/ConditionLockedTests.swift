@testable import Pipeline
import Testing
import TestSupport

@Suite("ConditionLocked and WorkerThread")
struct ConditionLockedTests {
    @Test("a waiter wakes when another thread makes its condition true, and sees that thread's value")
    func wakes() {
        let value = ConditionLocked(0)
        let waiter = OnThread { value.withLock(waitingUntil: { $0 >= 3 }) { $0 } }
        for _ in 0..<3 { value.withLock { $0 += 1 } }
        #expect(waiter.join(timeout: .seconds(30)) == 3)
    }

    @Test("the body runs with the lock still held: no change slips in between the check and the body")
    func atomicCheckAndBody() {
        let value = ConditionLocked(0)
        let takers = (0..<4).map { _ in
            OnThread { () -> Int in
                var taken = 0
                // Take one unit whenever there is one; stop at the end marker (negative).
                while value.withLock(waitingUntil: { $0 != 0 }, { units in
                    if units < 0 { return false }
                    units -= 1
                    return true
                }) { taken += 1 }
                return taken
            }
        }
        for _ in 0..<1_000 { value.withLock(waitingUntil: { $0 < 5 }) { $0 += 1 } }
        value.withLock(waitingUntil: { $0 == 0 }) { $0 = -1 }
        let taken = takers.map { $0.join() }.reduce(0, +)
        #expect(taken == 1_000)
    }

    @Test("a wait with a timeout gives up with nil when the condition never holds, without running the body")
    func timeout() {
        let value = ConditionLocked(false)
        let result: Int? = value.withLock(waitingUntil: { $0 }, timeout: .milliseconds(20)) { _ in
            Issue.record("the body ran")
            return 1
        }
        #expect(result == nil)
    }

    @Test("join waits for a worker thread's body; join with a timeout reports one still running")
    func join() {
        let gate = ConditionLocked(false)
        let thread = WorkerThread(name: "unit-worker") {
            gate.withLock(waitingUntil: { $0 }) { _ in }
        }
        #expect(!thread.join(timeout: .milliseconds(20)))
        #expect(!thread.hasEnded)
        gate.withLock { $0 = true }
        thread.join()
        #expect(thread.hasEnded)
        #expect(thread.join(timeout: .zero))
    }

    @Test("a thread name longer than the kernel keeps is shortened in front of its part number")
    func kernelName() {
        #expect(WorkerThread.kernelName("backfill-read") == "backfill-read")
        #expect(WorkerThread.kernelName("backfill-ingest-1") == "backfill-inge-1")
        #expect(WorkerThread.kernelName("backfill-diff-stream") == "backfill-diff-s")
        #expect(WorkerThread.kernelName("a-very-long-thread-name-without-a-number") == "a-very-long-thr")
    }
}
