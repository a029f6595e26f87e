import Foundation
import Pipeline

/// When a leftover statement's thread saw it end.
final class Ended: Sendable {
    private let moment = ConditionLocked<Date?>(nil)

    func mark() {
        moment.withLock { $0 = Date() }
    }

    var at: Date? { moment.withLock { $0 } }

    /// Waits up to `seconds` for `mark`; false if it did not come.
    func wait(seconds: Double) -> Bool {
        moment.withLock(waitingUntil: { $0 != nil }, timeout: .milliseconds(Int64(seconds * 1_000))) { _ in } != nil
    }
}
