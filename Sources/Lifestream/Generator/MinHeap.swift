extension EventGenerator {
    /// A binary min-heap of (time, subject) used to merge all subjects' event streams in
    /// time order. Ties go to the lower subject index, so the merge is deterministic.
    struct MinHeap: Sendable {
        struct Entry: Sendable {
            var key: Int64
            var subject: Int32

            func precedes(_ other: Entry) -> Bool {
                key != other.key ? key < other.key : subject < other.subject
            }
        }

        private var entries: [Entry] = []

        init(capacity: Int) { entries.reserveCapacity(capacity) }

        var isEmpty: Bool { entries.isEmpty }

        mutating func push(_ entry: Entry) {
            entries.append(entry)
            var child = entries.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard entries[child].precedes(entries[parent]) else { break }
                entries.swapAt(child, parent)
                child = parent
            }
        }

        mutating func pop() -> Entry? {
            guard let top = entries.first else { return nil }
            let last = entries.removeLast()
            if !entries.isEmpty {
                entries[0] = last
                var parent = 0
                while true {
                    let left = 2 * parent + 1, right = left + 1
                    var smallest = parent
                    if left < entries.count, entries[left].precedes(entries[smallest]) { smallest = left }
                    if right < entries.count, entries[right].precedes(entries[smallest]) { smallest = right }
                    if smallest == parent { break }
                    entries.swapAt(parent, smallest)
                    parent = smallest
                }
            }
            return top
        }
    }
}
