import Foundation

/// A value shared by threads that also have to *wait* for it to change: a producer for room in
/// a queue, a consumer for the next item, a caller for a thread to end. The standard library's
/// `Mutex` gives mutual exclusion but cannot wait; this is the one type in the project that can,
/// so every blocking hand-off is built on it rather than on a lock and condition of its own.
///
/// Invariant: `value` is only read or written inside `condition.lock()`/`unlock()` (every
/// accessor below takes it first, and none lets the value or a reference into it escape the
/// closure); after any access the condition is broadcast, so every waiter re-checks its
/// predicate against the new value and none can miss a change. `Value` is `Sendable`, so what a
/// closure copies out of the value may cross threads.
///
/// `@unchecked Sendable` because the compiler cannot see that the lock guards the `var`: the
/// guard is `NSCondition`, a pthread mutex and condition variable pair.
public final class ConditionLocked<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    /// Reads or changes the value exclusively, then wakes the waiters.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&value)
    }

    /// Waits (parked in the kernel, not polling) until `isReady` holds, then runs `body` with the
    /// lock still held, so nothing can change the value between the check and the body.
    public func withLock<Result>(
        waitingUntil isReady: (Value) -> Bool, _ body: (inout Value) throws -> Result
    ) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        while !isReady(value) { condition.wait() }
        return try body(&value)
    }

    /// As `withLock(waitingUntil:_:)`, giving up after `timeout`: nil when `isReady` did not
    /// become true in time (`body` does not run then).
    public func withLock<Result>(
        waitingUntil isReady: (Value) -> Bool, timeout: Duration, _ body: (inout Value) throws -> Result
    ) rethrows -> Result? {
        let deadline = Date(timeIntervalSinceNow: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        while !isReady(value) {
            if !condition.wait(until: deadline) && !isReady(value) { return nil }
        }
        return try body(&value)
    }
}
