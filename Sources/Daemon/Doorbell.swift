/// The idle wait of a follower: it blocks (no CPU, no polling) until someone rings, the timeout
/// passes, or a stop is asked for.
///
/// A follower whose poll found nothing waits here instead of spinning; whatever learns of new
/// work (a consumer thread that received a message, an offset watcher) rings. A ring before the
/// wait is kept, so a wake-up that races the start of a wait is not lost; several rings before a
/// wait make one wake-up. One waiter at a time is the intended use; with several, a ring wakes
/// one of them and a stop wakes all.
public final class Doorbell: Sendable {
    public enum Wake: Sendable, Equatable {
        /// Someone rang: look for work.
        case rang
        /// Nothing happened within the timeout: look again anyway (a poll interval).
        case timedOut
        /// A stop was asked for: return from the loop.
        case stopped
    }

    private let core = WaitCore()

    public init(stop: StopToken) {
        stop.onStop { [core] in core.close() }
    }

    public func ring() { core.ring() }

    public func wait(upTo timeout: Duration) -> Wake {
        switch core.wait(until: .now + timeout) {
        case .rang: .rang
        case .timedOut: .timedOut
        case .closed: .stopped
        }
    }
}
