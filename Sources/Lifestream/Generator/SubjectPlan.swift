extension EventGenerator {
    /// Who the subjects are and how many records each gets: a pure function of the seed.
    ///
    /// Kinds are spread 40/20/30/10 % (link/todo/sensor/annotation). Record counts are
    /// weighted by kind (sensors are chatty, annotations rare) with per-subject variation,
    /// every subject gets at least one record when there are enough, and the counts add up
    /// exactly. Memory is O(subjects), never O(events). A class, because every record's
    /// renderer refers to it: sharing one immutable instance costs one retain, not nine.
    final class SubjectPlan: Sendable {
        let seed: UInt64
        let partitions: Int32
        let kinds: [Kind]
        /// Valid records (events and their duplicates) per subject.
        let counts: [Int32]
        /// Subjects whose creating event is never emitted.
        let lacksCreator: [Bool]
        /// Subject indices per kind (by `Kind.rawValue`), for picking e.g. a link to annotate.
        let byKind: [[Int32]]
        /// All subject_ids back to back (with `idStarts`), and each subject's partition:
        /// computed once, compact (about 20 bytes per subject), read for every record.
        private let idBytes: [UInt8]
        private let idStarts: [Int32]
        private let partitions32: [Int32]

        init(options: GeneratorOptions, validRecords: Int) {
            seed = options.seed
            partitions = Swift.max(1, options.partitions)
            let subjectCount = Swift.max(1, options.subjects)
            var rng = Random(options.seed, 0x5B7E_C7)
            var kinds: [Kind] = []
            var weights: [Double] = []
            var lacks: [Bool] = []
            var byKind: [[Int32]] = Array(repeating: [], count: Kind.allCases.count)
            let lackProbability = Swift.min(1, Self.clamp(options.missingCreatorRate) / 0.6)
            kinds.reserveCapacity(subjectCount)
            weights.reserveCapacity(subjectCount)
            for index in 0..<subjectCount {
                let roll = rng.below(100)
                let kind: Kind = roll < 40 ? .link : roll < 60 ? .todo : roll < 90 ? .sensor : .annotation
                let base: Double
                switch kind {
                case .link: base = 1.0
                case .todo: base = 0.5
                case .sensor: base = 2.5
                case .annotation: base = 0.3
                }
                kinds.append(kind)
                weights.append(base * (0.3 + 1.4 * rng.unit()))
                lacks.append(kind.canLackCreator && rng.chance(lackProbability))
                byKind[Int(kind.rawValue)].append(Int32(index))
            }
            // Cumulative rounding: counts follow the weights and sum exactly to the total.
            let guaranteed = validRecords >= subjectCount ? 1 : 0
            let spread = validRecords - guaranteed * subjectCount
            let totalWeight = weights.reduce(0, +)
            var counts: [Int32] = []
            counts.reserveCapacity(subjectCount)
            var cumulative = 0.0
            var assigned = 0
            for weight in weights {
                cumulative += weight
                let upTo = Int((Double(spread) * cumulative / totalWeight).rounded())
                let share = Swift.min(spread, upTo) - assigned
                assigned += share
                counts.append(Int32(guaranteed + share))
            }
            counts[subjectCount - 1] += Int32(spread - assigned)
            self.kinds = kinds
            self.counts = counts
            self.lacksCreator = lacks
            self.byKind = byKind

            var idBytes: [UInt8] = []
            var idStarts: [Int32] = [0]
            var partitionOf: [Int32] = []
            idBytes.reserveCapacity(subjectCount * 16)
            idStarts.reserveCapacity(subjectCount + 1)
            partitionOf.reserveCapacity(subjectCount)
            for index in 0..<subjectCount {
                let id = Self.makeSubjectID(seed: seed, index: index, kind: kinds[index])
                idBytes.append(contentsOf: id)
                idStarts.append(Int32(idBytes.count))
                partitionOf.append(EventGenerator.partition(forSubjectBytes: id, partitions: partitions))
            }
            self.idBytes = idBytes
            self.idStarts = idStarts
            partitions32 = partitionOf
        }

        var subjectCount: Int { kinds.count }

        /// The subject_id: a kind prefix, six pseudo-random characters and the index (so ids
        /// are unique by construction); sensors are named after rooms, some non-ASCII.
        func subjectID(_ index: Int) -> [UInt8] {
            Array(idBytes[Int(idStarts[index])..<Int(idStarts[index + 1])])
        }

        func partition(_ index: Int) -> Int32 { partitions32[index] }

        private static func makeSubjectID(seed: UInt64, index: Int, kind: Kind) -> [UInt8] {
            var rng = Random(seed &+ 0x1D, UInt64(index))
            var id: [UInt8] = []
            id.reserveCapacity(32)
            switch kind {
            case .sensor:
                id.append(contentsOf: "sensor/".utf8)
                id.append(contentsOf: rng.pick(Vocabulary.rooms))
                id.append(UInt8(ascii: "-"))
                id.append(contentsOf: String(index).utf8)
                return id
            case .link: id.append(contentsOf: "lnk_".utf8)
            case .todo: id.append(contentsOf: "todo_".utf8)
            case .annotation: id.append(contentsOf: "ann_".utf8)
            }
            let alphabet = base32
            for _ in 0..<6 { id.append(alphabet[rng.below(32)]) }
            var value = index
            var suffix: [UInt8] = []
            repeat {
                suffix.append(alphabet[value % 32])
                value /= 32
            } while value > 0
            id.append(contentsOf: suffix.reversed())
            return id
        }

        /// Crockford's base32, lower case.
        static let base32: [UInt8] = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

        static func clamp(_ rate: Double) -> Double { rate.isNaN ? 0 : Swift.min(1, Swift.max(0, rate)) }
    }
}
