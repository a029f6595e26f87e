extension EventGenerator {
    /// The set of records, in a canonical order that depends on `seed` only.
    ///
    /// All subjects' events are merged in event time through a heap; each subject keeps a
    /// few words of state (its own PRNG, what comes next, its last event), so memory is
    /// O(subjects) however many events stream through. Whether a record is an invalid one
    /// is sampled without replacement so exactly `round(events × invalidRate)` are; invalid
    /// records cycle through `InvalidRecipe.all` in this canonical order, so their contents
    /// never depend on the arrival order chosen later.
    struct ContentStream: Sendable {
        /// One record with what the arrival stage needs to know about it.
        struct Item: Sendable {
            var subject: Int32
            var partition: Int32
            var key: [UInt8]?
            var value: [UInt8]
            var occurredMillis: Int64
            /// For new events: their event order (µs, then the event_id, rendered only when
            /// two instants tie).
            var orderMicros: Int64 = 0
            var spec: EventSpec?
            var isNewEvent = false
            var isCreator = false
            var quarantineReason: String?

            /// True when `self` comes after `other` in the contract's event order.
            func isLater(than other: Item) -> Bool {
                orderMicros != other.orderMicros
                    ? orderMicros > other.orderMicros
                    : (other.spec?.eventID ?? []).lexicographicallyPrecedes(spec?.eventID ?? [])
            }
        }

        private enum Slot: UInt8, Sendable { case event, twin, duplicate }

        /// A subject's progress through its records.
        private struct Cursor: Sendable {
            var rng: Random
            var remaining: Int32
            var slot = Slot.event
            var nextNanos: Int64 = 0
            var nextFormat = TimestampFormat(fractionDigits: 3, offsetMinutes: 0)
            var meanGapMillis: Double
            var last: EventSpec?
        }

        let options: GeneratorOptions
        let plan: SubjectPlan
        private var cursors: [Cursor]
        private var heap: MinHeap
        private var global: Random
        private var remainingRecords: Int
        private var remainingInvalid: Int
        private var recipeIndex = 0
        private var oversizedBudget: Int
        private var now: Int64
        private let duplicateRate, differentPayloadRate, equalInstantRate: Double

        init(options: GeneratorOptions) {
            self.options = options
            let total = Swift.max(0, options.events)
            let invalid = Swift.min(total, Int((Double(total) * SubjectPlan.clamp(options.invalidRate)).rounded()))
            plan = SubjectPlan(options: options, validRecords: total - invalid)
            global = Random(options.seed, 0x61_0BA1)
            remainingRecords = total
            remainingInvalid = invalid
            oversizedBudget = total >= 1000 ? Swift.max(1, total / 50_000) : 0
            duplicateRate = SubjectPlan.clamp(options.duplicateRate)
            differentPayloadRate = SubjectPlan.clamp(options.duplicateWithDifferentPayloadRate)
            equalInstantRate = SubjectPlan.clamp(options.equalInstantRate)
            now = options.startTime * 1_000_000

            // Events spread over about one second each; subjects start in the first half.
            let spanMillis = Double(Swift.max(3_600_000, total * 1000))
            heap = MinHeap(capacity: plan.subjectCount)
            cursors = []
            cursors.reserveCapacity(plan.subjectCount)
            for index in 0..<plan.subjectCount {
                var rng = Random(options.seed, 0xC0_0000_0000 &+ UInt64(index))
                let startOffset = rng.unit() * spanMillis * 0.5
                let count = plan.counts[index]
                var cursor = Cursor(rng: rng, remaining: count,
                                    meanGapMillis: (spanMillis - startOffset) / Double(Swift.max(1, count)))
                if count > 0 {
                    cursor.nextFormat = TimestampFormat.random(&cursor.rng)
                    cursor.nextNanos = cursor.nextFormat.align(millis: options.startTime + Int64(startOffset), &cursor.rng)
                    heap.push(.init(key: cursor.nextNanos, subject: Int32(index)))
                }
                cursors.append(cursor)
            }
        }

        mutating func next() -> Item? {
            guard remainingRecords > 0 else { return nil }
            let invalidNow = remainingInvalid > 0 && global.below(remainingRecords) < remainingInvalid
            remainingRecords -= 1
            if invalidNow {
                remainingInvalid -= 1
                return invalidItem()
            }
            guard let entry = heap.pop() else { return nil }
            now = Swift.max(now, entry.key)
            let index = Int(entry.subject)
            var cursor = cursors[index]
            let item = emit(subject: index, &cursor)
            schedule(subject: index, &cursor)
            cursors[index] = cursor
            return item
        }

        /// The record of the cursor's current slot.
        private mutating func emit(subject index: Int, _ cursor: inout Cursor) -> Item {
            cursor.remaining -= 1
            let kind = plan.kinds[index]
            let lacksCreator = plan.lacksCreator[index]
            switch cursor.slot {
            case .duplicate:
                var spec = cursor.last!
                if cursor.rng.chance(differentPayloadRate) { spec.payloadRevision = 1 }
                return item(for: spec, isNew: false)
            case .event, .twin:
                let type: EventType = cursor.last == nil && !lacksCreator
                    ? kind.creatingType
                    : EventType.following(for: kind, withoutCreator: lacksCreator, &cursor.rng)
                let spec = EventSpec(subject: Int32(index), type: type, nanos: cursor.nextNanos,
                                     format: cursor.nextFormat, &cursor.rng)
                cursor.last = spec
                return item(for: spec, isNew: true)
            }
        }

        /// Decides the subject's next slot and puts it back on the heap.
        private mutating func schedule(subject index: Int, _ cursor: inout Cursor) {
            guard cursor.remaining > 0, let last = cursor.last else { return }
            let key: Int64
            if cursor.rng.chance(duplicateRate) {
                cursor.slot = .duplicate
                key = last.nanos + Int64(1 + cursor.rng.below(2000)) * 1_000_000
            } else if cursor.rng.chance(equalInstantRate) {
                cursor.slot = .twin
                cursor.nextNanos = last.nanos
                cursor.nextFormat = last.format
                if cursor.rng.chance(0.5) { cursor.nextFormat.offsetMinutes = [0, 120, -300][cursor.rng.below(3)] }
                key = last.nanos
            } else {
                cursor.slot = .event
                let gap = Swift.max(1, Int64(cursor.meanGapMillis * cursor.rng.exponential()))
                cursor.nextFormat = TimestampFormat.random(&cursor.rng)
                cursor.nextNanos = cursor.nextFormat.align(millis: last.millis + gap, &cursor.rng)
                key = cursor.nextNanos
            }
            heap.push(.init(key: key, subject: Int32(index)))
        }

        private mutating func item(for spec: EventSpec, isNew: Bool) -> Item {
            let id = plan.subjectID(Int(spec.subject))
            let (value, keyless) = EventRenderer.render(spec, plan: plan, subjectID: id)
            var item = Item(subject: spec.subject,
                            partition: plan.partition(Int(spec.subject)),
                            key: keyless ? nil : id, value: value, occurredMillis: spec.millis)
            if isNew {
                item.isNewEvent = true
                item.isCreator = spec.type.isCreating
                item.orderMicros = spec.micros
                item.spec = spec
            }
            return item
        }

        /// The next recipe of the cycle that this stream can make, as a record.
        private mutating func invalidItem() -> Item {
            let recipes = InvalidRecipe.all
            var recipe = recipes[recipeIndex % recipes.count]
            var attempts = 0
            while attempts < recipes.count, !canMake(recipe) {
                recipeIndex += 1
                attempts += 1
                recipe = recipes[recipeIndex % recipes.count]
            }
            recipeIndex += 1
            if recipe.reason == InvalidRecipe.oversizedReason { oversizedBudget -= 1 }

            let candidates = recipe.kind.map { plan.byKind[Int($0.rawValue)] } ?? []
            let subject = candidates.isEmpty ? global.below(plan.subjectCount) : Int(global.pick(candidates))
            let kind = plan.kinds[subject]
            let type = recipe.type ?? kind.creatingType
            let format = TimestampFormat(fractionDigits: 3, offsetMinutes: global.chance(0.3) ? 120 : 0)
            let spec = EventSpec(subject: Int32(subject), type: type, nanos: format.align(millis: now / 1_000_000, &global),
                                 format: format, &global)
            let id = plan.subjectID(subject)
            var value: [UInt8]
            var keyless = false
            switch recipe.shape(&global, kind) {
            case .mutation(let mutation):
                value = EventRenderer.render(spec, plan: plan, subjectID: id, mutation: mutation).value
                keyless = mutation.keyless
            case .truncated:
                value = EventRenderer.render(spec, plan: plan, subjectID: id).value
                value.removeLast(value.count - (value.count / 2 + global.below(value.count / 2)))
            case .wrappedInArray:
                value = [UInt8(ascii: "[")] + EventRenderer.render(spec, plan: plan, subjectID: id).value + [UInt8(ascii: "]")]
            case .doubleEncoded:
                let inner = EventRenderer.render(spec, plan: plan, subjectID: id).value
                var w = JSONWriter(capacity: inner.count * 2)
                w.string(inner)
                value = w.finish()
            }
            return Item(subject: Int32(subject),
                        partition: plan.partition(Int(spec.subject)),
                        key: keyless ? nil : id, value: value, occurredMillis: spec.millis,
                        quarantineReason: recipe.reason)
        }

        private func canMake(_ recipe: InvalidRecipe) -> Bool {
            if recipe.reason == InvalidRecipe.oversizedReason && oversizedBudget <= 0 { return false }
            if let kind = recipe.kind { return !plan.byKind[Int(kind.rawValue)].isEmpty }
            return true
        }
    }
}
