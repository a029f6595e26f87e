import Dispatch
import Synchronization

/// A blocking wait that costs no CPU while it waits and ends on the first of: a ring, a close,
/// the deadline. The parts a `StopToken` and a `Doorbell` share.
///
/// A semaphore (not a polling loop) parks the waiting thread in the kernel; the `Mutex` holds the
/// truth (is a ring pending, is it closed), so a semaphore count left over by a race only costs a
/// waiter one extra look at the state, never a wrong answer. A close wakes every waiter: each one
/// that sees it passes the semaphore on before returning.
final class WaitCore: Sendable {
    enum Wake: Sendable, Equatable { case rang, closed, timedOut }

    private struct State {
        var pending = false
        var closed = false
    }

    private let state = Mutex(State())
    private let semaphore = DispatchSemaphore(value: 0)

    /// Wakes one waiter, or the next one to wait if none is waiting now. Rings while one is
    /// pending merge into it: the waiter learns "something arrived", not how many times.
    func ring() {
        let wake = state.withLock { state -> Bool in
            guard !state.pending, !state.closed else { return false }
            state.pending = true
            return true
        }
        if wake { semaphore.signal() }
    }

    /// Wakes every waiter, now and later. Idempotent.
    func close() {
        let first = state.withLock { state -> Bool in
            defer { state.closed = true }
            return !state.closed
        }
        if first { semaphore.signal() }
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Blocks the calling thread until a ring (consumed), a close, or `deadline`.
    func wait(until deadline: ContinuousClock.Instant) -> Wake {
        while true {
            let seen = state.withLock { state -> Wake? in
                if state.closed { return .closed }
                if state.pending {
                    state.pending = false
                    return .rang
                }
                return nil
            }
            if let seen {
                if seen == .closed { semaphore.signal() }  // pass it on to the next waiter
                return seen
            }
            let left = deadline - ContinuousClock.now
            if left <= .zero { return .timedOut }
            _ = semaphore.wait(timeout: .now() + Self.interval(left))
        }
    }

    /// A `Duration` as a dispatch interval, at most an hour (the loop above waits again).
    static func interval(_ duration: Duration) -> DispatchTimeInterval {
        let capped = min(duration, .seconds(3_600))
        let (seconds, attoseconds) = capped.components
        return .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }
}
