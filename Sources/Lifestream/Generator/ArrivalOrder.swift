extension EventGenerator {
    /// Turns the canonical set of records into an arrival order, using only the arrival
    /// seed, so a different `arrivalSeed` reorders exactly the same records.
    ///
    /// Three things happen, all in bounded memory:
    /// - *late arrivals*: a new event is sometimes held back until the next later event of
    ///   its subject has gone out (`outOfOrderRate`; for creating events additionally
    ///   `partialBeforeCreateRate`, which makes a partial event arrive first);
    /// - *interleaving*: records pass through a small window from which a random one leaves
    ///   next, but never ahead of an earlier record of its own subject, so per-subject order
    ///   is exactly what the step above decided;
    /// - *timestamps*: CreateTime follows a running clock just behind event time, with a
    ///   few records jittered backwards (never to or before their own occurred_at).
    struct ArrivalOrder: Sendable {
        private var source: ContentStream
        private var rng: Random
        private var held: [Int32: ContentStream.Item] = [:]
        private var window: [ContentStream.Item] = []
        private var sourceDone = false
        private var clock: Int64
        private let outOfOrderRate, partialBeforeCreateRate: Double
        static let windowSize = 32

        init(options: GeneratorOptions) {
            source = ContentStream(options: options)
            rng = Random(options.arrivalSeed ?? options.seed, 0xA771_7A1)
            clock = options.startTime
            outOfOrderRate = SubjectPlan.clamp(options.outOfOrderRate)
            partialBeforeCreateRate = SubjectPlan.clamp(options.partialBeforeCreateRate)
            window.reserveCapacity(Self.windowSize + 2)
        }

        mutating func next() -> GeneratedRecord? {
            while !sourceDone && window.count < Self.windowSize {
                if let item = source.next() {
                    admit(item)
                } else {
                    sourceDone = true
                    // Whatever is still held arrives last, in a deterministic order.
                    for subject in held.keys.sorted() { window.append(held[subject]!) }
                    held.removeAll()
                }
            }
            guard !window.isEmpty else { return nil }
            let chosen = window[rng.below(window.count)].subject
            let index = window.firstIndex { $0.subject == chosen }!
            let item = window.remove(at: index)
            return record(for: item)
        }

        /// Applies the late-arrival decisions to one record of the canonical stream.
        private mutating func admit(_ item: ContentStream.Item) {
            if let waiting = held[item.subject] {
                window.append(item)
                if item.isNewEvent && item.isLater(than: waiting) {
                    window.append(waiting)
                    held[item.subject] = nil
                }
                return
            }
            if item.isNewEvent {
                let probability = item.isCreator
                    ? outOfOrderRate + partialBeforeCreateRate - outOfOrderRate * partialBeforeCreateRate
                    : outOfOrderRate
                if rng.chance(probability) {
                    held[item.subject] = item
                    return
                }
            }
            window.append(item)
        }

        private mutating func record(for item: ContentStream.Item) -> GeneratedRecord {
            let u = rng.unit()
            let delay = 20 + Int64(u * u * u * 3000)
            clock = Swift.max(clock, item.occurredMillis + delay)
            var timestamp = clock
            if rng.chance(0.03) {
                timestamp = Swift.max(item.occurredMillis + 1, clock - Int64(1 + rng.below(1500)))
            }
            return GeneratedRecord(partition: item.partition, key: item.key, value: item.value,
                                   timestamp: timestamp, quarantineReason: item.quarantineReason)
        }
    }
}
