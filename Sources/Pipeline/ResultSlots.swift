import Synchronization

/// One result per part, filled in by the parts' threads.
final class ResultSlots<Result: Sendable>: Sendable {
    private let slots: Mutex<[Result?]>

    init(count: Int) {
        slots = Mutex(Array(repeating: nil, count: count))
    }

    func set(_ index: Int, _ result: Result) {
        slots.withLock { $0[index] = result }
    }

    /// Every part's result; a missing one is a programming error, reported rather than trapped.
    func all() throws -> [Result] {
        try slots.withLock { slots in
            try slots.map { slot in
                guard let slot else { throw PartWorkers.Stopped() }
                return slot
            }
        }
    }
}
