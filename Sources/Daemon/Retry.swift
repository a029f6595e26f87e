import Foundation
import Logging

/// Waits out an outage of one component: runs an operation until it succeeds, and between
/// failures that may pass, says so (a log line, `/healthz` failing, `<prefix>_up` 0 and
/// `<prefix>_retries_total` counting) and waits with backoff — a wait a stop ends at once.
///
/// A follower never exits 0 with work undone because a broker went away: it waits, however long,
/// unless `giveUpAfter` says otherwise, and then fails with exit 2. Which errors "may pass" is
/// the caller's knowledge (a refused connection may; a wrong password does not), given as
/// `isTransient`.
public struct Retry: Sendable {
    public var component: String
    public var policy: BackoffPolicy
    /// Give up (throw) when the outage has lasted this long; nil waits as long as it takes.
    public var giveUpAfter: Duration?

    public init(component: String, policy: BackoffPolicy = .standard, giveUpAfter: Duration? = nil) {
        self.component = component
        self.policy = policy
        self.giveUpAfter = giveUpAfter
    }

    /// Runs `operation` until it returns. Rethrows an error `isTransient` rejects; throws
    /// `StopRequested` when a stop is asked for during a wait, and `DaemonError(.gaveUp)` past
    /// `giveUpAfter`.
    public func run<T>(_ what: String, status: DaemonStatus, stop: StopToken, logger: Logger,
                       isTransient: (any Error) -> Bool, _ operation: () throws -> T) throws -> T {
        var backoff = Backoff(policy)
        let start = ContinuousClock.now
        while true {
            try stop.checkStop()
            do {
                let value = try operation()
                if backoff.failures > 0 {
                    let down = status.markUp(component)
                    logger.notice("\(component) answers again; \(what) succeeded", metadata: [
                        "component": "\(component)", "attempts": "\(backoff.failures + 1)",
                        "down_seconds": "\(down.map { ($0.inSeconds * 10).rounded() / 10 } ?? 0)",
                    ])
                } else {
                    status.markUp(component)
                }
                return value
            } catch let error where !(error is StopRequested) && isTransient(error) {
                let delay = backoff.failed()
                status.markDown(component, reason: "\(error)")
                status.countRetry(component)
                if let giveUpAfter, ContinuousClock.now - start + delay > giveUpAfter {
                    throw DaemonError(.gaveUp, "\(what) kept failing for \(giveUpAfter.spoken) (\(backoff.failures) attempts); the last error: \(error)")
                }
                logger.warning("\(what) failed; \(component) may be down, retrying in \(delay.spoken)", metadata: [
                    "component": "\(component)", "attempt": "\(backoff.failures)", "error": "\(error)",
                ])
                guard stop.sleep(for: delay) else { throw StopRequested(reason: stop.reason ?? "stop") }
            }
        }
    }
}
