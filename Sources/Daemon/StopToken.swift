import Synchronization

/// A request to stop, shared by whoever may ask (a signal, the status server's shutdown, a test)
/// and the work loop, which checks it between batches.
///
/// Asking is cheap and can come from any thread; the first reason given is kept. Every wait that
/// watches the token (`sleep(for:)`, a `Doorbell`, a `Retry`'s backoff) ends at once when it is
/// asked, so a follower idling for a minute or backing off from a broker outage stops within
/// milliseconds, not at the end of its wait.
public final class StopToken: Sendable {
    private struct State {
        var reason: String?
        var observers: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())
    private let sleepers = WaitCore()

    public init() {}

    public var isStopRequested: Bool { state.withLock { $0.reason != nil } }

    /// Why the stop was asked for (`SIGTERM`, …), once it was.
    public var reason: String? { state.withLock { $0.reason } }

    /// Asks the loop to stop after the batch in flight. Later calls change nothing.
    public func requestStop(_ reason: String) {
        let observers = state.withLock { state -> [@Sendable () -> Void] in
            guard state.reason == nil else { return [] }
            state.reason = reason
            defer { state.observers = [] }
            return state.observers
        }
        sleepers.close()
        for observer in observers { observer() }
    }

    /// Throws `StopRequested` once a stop was asked for: one line between batches.
    public func checkStop() throws(StopRequested) {
        if let reason { throw StopRequested(reason: reason) }
    }

    /// Blocks the calling thread for `duration`, or less when a stop is asked for. Returns
    /// whether the whole time passed (false: stop).
    @discardableResult
    public func sleep(for duration: Duration) -> Bool {
        sleepers.wait(until: .now + duration) == .timedOut
    }

    /// Runs `action` when a stop is asked for (at once if it already was), on the thread that asks.
    /// For waits of other kinds that must end with the stop (a queue between a consumer thread
    /// and the loop, say); kept for the token's life, so register once per wait object, not once
    /// per wait. `action` must not block.
    public func onStop(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            guard state.reason == nil else { return true }
            state.observers.append(action)
            return false
        }
        if now { action() }
    }
}

/// Thrown out of a wait or a `checkStop()` when a stop was asked for. `DaemonRunner` counts a work
/// loop that ends with it as stopped, not failed: the batch it interrupted rolled back, and the
/// next start resumes from the last checkpoint.
public struct StopRequested: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { "stopped (\(reason))" }
}
