import Foundation

/// When a leftover statement's thread saw it end.
final class Ended: @unchecked Sendable {
    private let condition = NSCondition()
    private var moment: Date?

    func mark() {
        condition.withLock {
            moment = Date()
            condition.broadcast()
        }
    }

    var at: Date? { condition.withLock { moment } }

    func wait(seconds: Double) -> Bool {
        condition.withLock {
            let deadline = Date().addingTimeInterval(seconds)
            while moment == nil && condition.wait(until: deadline) {}
            return moment != nil
        }
    }
}
