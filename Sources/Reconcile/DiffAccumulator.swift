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
        /// Per value column: the id of the column rule that accepted its difference.
        var acceptedBy: [String?]? = nil
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
    /// Every subject with a differing row, before column rules: the subjects a verified point
    /// lists as differing (an accepted difference is still one the next diff must not mistake
    /// for a change made without events).
    private(set) var rawSubjects: Set<SubjectKey> = []
    /// Subjects with a changed row that differs beyond what `LiveColumnRule` explains.
    private(set) var beyondLiveColumnRule: Set<SubjectKey> = []
    /// Smallest keys first, at most `sampleLimit`.
    private(set) var samples: [PendingSample] = []
    var durationMilliseconds = 0

    // Verdict rules (nil/empty without a rules file: the report then has no `ruled` counts).
    /// The column rules (and statistics) to apply; nil when the table has none: the plain path.
    let columnRules: TableRules?
    /// Whether the diff runs under a rules file at all.
    let judgedByRules: Bool
    /// Changed rows still differing after the column rules, and their columns.
    private(set) var ruledChanged = 0
    private(set) var ruledColumnChanges: [Int]
    /// Changed rows whose every difference a column rule accepted.
    private(set) var acceptedByColumnRules = 0
    private(set) var ruleTallies: [ColumnRuleTally]
    /// Per value column, for `rules suggest`.
    private(set) var statistics: [ColumnStatistics?]

    init(table: ResolvedTable, sampleLimit: Int, rules: VerdictRules? = nil, statistics: Bool = false) {
        self.table = table
        self.sampleLimit = sampleLimit
        self.columnChanges = Array(repeating: 0, count: table.valueColumns.count)
        self.ruledColumnChanges = columnChanges
        self.columnRules = TableRules(table: table, rules: rules, statistics: statistics)
        self.judgedByRules = rules != nil
        self.ruleTallies = columnRules?.rules.map { ColumnRuleTally(rule: $0) } ?? []
        self.statistics = columnRules?.statisticsOf.map { $0 == nil ? nil : ColumnStatistics() } ?? []
    }

    var differences: Int { onlyLeft + onlyRight + changed }

    /// Counts one differing row; `changedColumns` are indexes into the value columns.
    mutating func record(_ kind: DifferenceKind, subject: SubjectKey?, changedColumns: [Int] = []) {
        switch kind {
        case .onlyLeft: onlyLeft += 1
        case .onlyRight: onlyRight += 1
        case .changed:
            changed += 1
            ruledChanged += 1
            for column in changedColumns {
                columnChanges[column] += 1
                ruledColumnChanges[column] += 1
            }
        }
        if let subject {
            subjects[subject, default: RowKindCounts()].add(kind)
            rawSubjects.insert(subject)
        }
        if kind == .changed, let subject, !explainedByLiveColumnRule(changedColumns) { beyondLiveColumnRule.insert(subject) }
    }

    /// Counts a changed row of a table with column rules (`columnRules` is set): raw counts as
    /// `record`, then each differing column a rule accepts is set aside. A row with nothing
    /// left is accepted — counted under its rules, not explained by causes, not sampled; one
    /// with differences left counts as changed with those columns only. `values` gives both
    /// sides' text of a value column, nil when the engine does not have it (it must have it
    /// where `needsValues`); `key` the row's key
    /// (asked only when the row may become a rule's example). Returns the accepting rule's id
    /// per value column, or nil when the whole row was accepted.
    mutating func recordChanged(
        subject: SubjectKey?, changedColumns: [Int], keysAscending: Bool,
        key: () -> [[UInt8]], values: (Int) -> (left: [UInt8]?, right: [UInt8]?)?
    ) -> [String?]? {
        guard let rules = columnRules else {
            record(.changed, subject: subject, changedColumns: changedColumns)
            return Array(repeating: nil, count: table.valueColumns.count)
        }
        changed += 1
        if let subject { rawSubjects.insert(subject) }
        var remaining: [Int] = []
        var acceptedBy: [String?] = Array(repeating: nil, count: table.valueColumns.count)
        var rowKey: [[UInt8]]?
        for column in changedColumns {
            columnChanges[column] += 1
            let fetched = rules.needsValues[column] ? values(column) : nil
            let pair = fetched ?? (nil, nil)
            if let kind = rules.statisticsOf[column] { statistics[column]?.add(kind, pair.0, pair.1) }
            guard let index = rules.ruleOfColumn[column], rules.rules[index].comparison.accepts(pair.0, pair.1) else {
                remaining.append(column)
                continue
            }
            acceptedBy[column] = rules.rules[index].id
            ruleTallies[index].rows += 1
            if ruleTallies[index].exampleKey == nil || !keysAscending {
                let candidate = rowKey ?? key()
                rowKey = candidate
                if ruleTallies[index].exampleKey.map({ Self.keyPrecedes(candidate, $0) }) ?? true {
                    ruleTallies[index].exampleKey = candidate
                    ruleTallies[index].exampleValues = (fetched ?? values(column)).map {
                        ($0.left.map { String(decoding: $0, as: UTF8.self) }, $0.right.map { String(decoding: $0, as: UTF8.self) })
                    }
                }
            }
        }
        guard !remaining.isEmpty else {
            acceptedByColumnRules += 1
            return nil
        }
        ruledChanged += 1
        for column in remaining { ruledColumnChanges[column] += 1 }
        if let subject {
            subjects[subject, default: RowKindCounts()].add(.changed)
            if !explainedByLiveColumnRule(remaining) { beyondLiveColumnRule.insert(subject) }
        }
        return acceptedBy
    }

    /// Sets the values of a rule's example found without them (an ignored column in the
    /// same-database mode, which never fetches its values).
    mutating func setExampleValues(_ index: Int, left: String?, right: String?) {
        ruleTallies[index].exampleValues = (left, right)
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

    /// The finished table result (without causes; `CauseAnalysis` adds those; the cause rules'
    /// part of `ruled` is added by `RulesJudgement`).
    func tableDiff() -> TableDiff {
        var diff = TableDiff(
            name: table.name,
            primaryKey: table.keyColumns.map(\.name),
            leftRows: leftRows, rightRows: rightRows,
            onlyLeft: onlyLeft, onlyRight: onlyRight, changed: changed,
            changedColumns: table.valueColumns.indices.map { index in
                TableDiff.ColumnChanges(column: table.valueColumns[index].name, rows: columnChanges[index],
                                        statistics: statistics.isEmpty ? nil : statistics[index])
            },
            samples: samples.map(diffSample),
            durationMilliseconds: durationMilliseconds)
        if judgedByRules {
            diff.ruled = RuledCounts(
                acceptedByColumnRules: acceptedByColumnRules, changed: ruledChanged,
                changedColumns: zip(table.valueColumns, ruledColumnChanges).map { TableDiff.ColumnChanges(column: $0.name, rows: $1) },
                acceptedByCauseRules: 0, differences: onlyLeft + onlyRight + ruledChanged)
        }
        return diff
    }

    /// What each column rule accepted here, its example keyed as the report shows keys.
    func columnRuleResults() -> [(rule: VerdictRules.ColumnRule, rows: Int, example: RuleExample?)] {
        ruleTallies.map { tally in
            let example = tally.exampleKey.map { key in
                RuleExample(key: zip(table.keyColumns, key).map { DiffSample.KeyField(column: $0.name, value: String(decoding: $1, as: UTF8.self)) },
                            left: tally.exampleValues?.left, right: tally.exampleValues?.right)
            }
            return (tally.rule, tally.rows, example)
        }
    }

    private func diffSample(_ pending: PendingSample) -> DiffSample {
        DiffSample(
            kind: pending.kind,
            key: zip(table.keyColumns, pending.key).map {
                DiffSample.KeyField(column: $0.name, value: String(decoding: $1, as: UTF8.self))
            },
            values: table.valueColumns.enumerated().map { index, column in
                DiffSample.Value(column: column.name, left: pending.left?[index] ?? nil, right: pending.right?[index] ?? nil,
                                 differs: pending.kind != .changed || pending.differing[index],
                                 acceptedBy: pending.acceptedBy?[index] ?? nil)
            })
    }
}
