/// Tallies one table's differing rows as either mode finds them: counts per kind and per
/// column, the samples with the smallest keys, and the subjects to explain.
///
/// Memory grows with the number of differing subjects, never with the table.
struct DiffAccumulator {
    /// A sample before it becomes a `DiffSample`: key and values as bytes/text as read.
    struct PendingSample {
        var kind: DifferenceKind
        var key: [[UInt8]]
        /// Per value column; nil when this side does not have the row (or not fetched yet).
        var left: [String?]?
        var right: [String?]?
        var differing: [Bool]
        var subject: SubjectKey?
    }

    let table: ResolvedTable
    let sampleLimit: Int
    var leftRows = 0
    var rightRows = 0
    private(set) var onlyLeft = 0
    private(set) var onlyRight = 0
    private(set) var changed = 0
    private(set) var columnChanges: [Int]
    private(set) var subjects: [SubjectKey: RowKindCounts] = [:]
    /// Subjects with a changed row that differs beyond what `LiveColumnRule` explains.
    private(set) var beyondLiveColumnRule: Set<SubjectKey> = []
    /// Smallest keys first, at most `sampleLimit`.
    private(set) var samples: [PendingSample] = []
    var durationMilliseconds = 0

    init(table: ResolvedTable, sampleLimit: Int) {
        self.table = table
        self.sampleLimit = sampleLimit
        self.columnChanges = Array(repeating: 0, count: table.valueColumns.count)
    }

    var differences: Int { onlyLeft + onlyRight + changed }

    /// Counts one differing row; `changedColumns` are indexes into the value columns.
    mutating func record(_ kind: DifferenceKind, subject: SubjectKey?, changedColumns: [Int] = []) {
        switch kind {
        case .onlyLeft: onlyLeft += 1
        case .onlyRight: onlyRight += 1
        case .changed:
            changed += 1
            for column in changedColumns { columnChanges[column] += 1 }
        }
        if let subject { subjects[subject, default: RowKindCounts()].add(kind) }
        if kind == .changed, let subject, !explainedByLiveColumnRule(changedColumns) { beyondLiveColumnRule.insert(subject) }
    }

    /// Whether the value columns at `changedColumns` are all ones the live job's rule explains.
    func explainedByLiveColumnRule(_ changedColumns: [Int]) -> Bool {
        LiveColumnRule.explains(table: table.name, changed: changedColumns.map { table.valueColumns[$0].name })
    }

    /// True when a row with `key` would make it into the samples.
    func admitsSample(key: [[UInt8]]) -> Bool {
        guard sampleLimit > 0 else { return false }
        guard samples.count == sampleLimit, let largest = samples.last?.key else { return true }
        return Self.keyPrecedes(key, largest)
    }

    var samplesFull: Bool { samples.count >= sampleLimit }

    mutating func offerSample(_ sample: PendingSample) {
        guard admitsSample(key: sample.key) else { return }
        let position = samples.firstIndex { Self.keyPrecedes(sample.key, $0.key) } ?? samples.count
        samples.insert(sample, at: position)
        if samples.count > sampleLimit { samples.removeLast() }
    }

    mutating func setSampleValues(_ index: Int, left: [String?]?, right: [String?]?) {
        samples[index].left = left
        samples[index].right = right
    }

    /// The order of the two-database merge: field by field, each byte-wise.
    static func keyPrecedes(_ lhs: [[UInt8]], _ rhs: [[UInt8]]) -> Bool {
        for (left, right) in zip(lhs, rhs) where left != right {
            return left.lexicographicallyPrecedes(right)
        }
        return lhs.count < rhs.count
    }

    /// The finished table result (without causes; `CauseAnalysis` adds those).
    func tableDiff() -> TableDiff {
        TableDiff(
            name: table.name,
            primaryKey: table.keyColumns.map(\.name),
            leftRows: leftRows, rightRows: rightRows,
            onlyLeft: onlyLeft, onlyRight: onlyRight, changed: changed,
            changedColumns: zip(table.valueColumns, columnChanges).map { TableDiff.ColumnChanges(column: $0.name, rows: $1) },
            samples: samples.map(diffSample),
            durationMilliseconds: durationMilliseconds)
    }

    private func diffSample(_ pending: PendingSample) -> DiffSample {
        DiffSample(
            kind: pending.kind,
            key: zip(table.keyColumns, pending.key).map {
                DiffSample.KeyField(column: $0.name, value: String(decoding: $1, as: UTF8.self))
            },
            values: table.valueColumns.enumerated().map { index, column in
                DiffSample.Value(column: column.name, left: pending.left?[index] ?? nil, right: pending.right?[index] ?? nil,
                                 differs: pending.kind != .changed || pending.differing[index])
            })
    }
}
