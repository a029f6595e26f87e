import Foundation

/// One result per part, filled in by the parts' threads.
///
/// `@unchecked Sendable`: `slots` is only touched with `lock` held.
final class ResultSlots<Result: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result?]

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ result: Result) {
        lock.withLock { slots[index] = result }
    }

    /// Every part's result; a missing one is a programming error, reported rather than trapped.
    func all() throws -> [Result] {
        try lock.withLock {
            try slots.map { slot in
                guard let slot else { throw PartWorkers.Stopped() }
                return slot
            }
        }
    }
}
