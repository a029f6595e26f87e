/// The column rules of one compared table, by value column, and what a diff engine must hand
/// over for a changed row so they can be applied: the two values of a ruled column (tolerance,
/// precision) or of any number/time column when statistics are collected for suggestions.
struct TableRules: Sendable {
    /// The rules that apply to this table, in file order.
    let rules: [VerdictRules.ColumnRule]
    /// Per value column: the index in `rules` of its rule, if it has one.
    let ruleOfColumn: [Int?]
    /// Per value column: whether the engine must pass both values of a differing row.
    let needsValues: [Bool]
    /// Per value column: statistics are collected (numbers and timestamps, for `rules suggest`).
    let statisticsOf: [ColumnStatistics.Kind?]

    /// nil when there is nothing to apply or collect for this table: the engine takes its plain path.
    init?(table: ResolvedTable, rules: VerdictRules?, statistics: Bool) {
        let ruled = rules?.columns.filter { $0.table == table.name } ?? []
        let statisticsOf = table.valueColumns.map { statistics ? ColumnStatistics.Kind(of: $0) : nil }
        guard !ruled.isEmpty || statisticsOf.contains(where: { $0 != nil }) else { return nil }
        let ruleOfColumn = table.valueColumns.map { column in ruled.firstIndex { $0.column == column.name } }
        self.rules = ruled
        self.ruleOfColumn = ruleOfColumn
        self.statisticsOf = statisticsOf
        needsValues = table.valueColumns.indices.map { index in
            if statisticsOf[index] != nil { return true }
            guard let rule = ruleOfColumn[index] else { return false }
            return ruled[rule].comparison != .ignore
        }
    }
}

/// How far apart the values of one changed column are, over all its changed rows: what
/// `backfill rules suggest` bases a tolerance or a precision on.
public struct ColumnStatistics: Sendable, Codable, Equatable {
    enum Kind: Sendable { case number, time }

    /// Changed rows with a value on both sides that could be compared (not NULL on one side).
    public var rowsCompared: Int = 0
    /// Numbers: the largest |left − right| and |left − right| / max(|left|, |right|).
    public var largestAbsoluteDifference: Double?
    public var largestRelativeDifference: Double?
    /// Timestamps: rows equal once truncated to the millisecond, and to the second.
    public var rowsEqualToTheMillisecond: Int?
    public var rowsEqualToTheSecond: Int?

    public init() {}

    mutating func add(_ kind: Kind, _ left: [UInt8]?, _ right: [UInt8]?) {
        guard let left, let right else { return }
        switch kind {
        case .number:
            guard let l = ColumnComparison.number(left), let r = ColumnComparison.number(right) else { return }
            rowsCompared += 1
            let difference = abs(l - r)
            let scale = max(abs(l), abs(r))
            largestAbsoluteDifference = Self.larger(largestAbsoluteDifference, difference)
            largestRelativeDifference = Self.larger(largestRelativeDifference, scale > 0 ? difference / scale : 0)
        case .time:
            rowsCompared += 1
            let milliseconds = ColumnComparison.truncated(left, digits: 3) == ColumnComparison.truncated(right, digits: 3)
            let seconds = ColumnComparison.truncated(left, digits: 0) == ColumnComparison.truncated(right, digits: 0)
            rowsEqualToTheMillisecond = (rowsEqualToTheMillisecond ?? 0) + (milliseconds ? 1 : 0)
            rowsEqualToTheSecond = (rowsEqualToTheSecond ?? 0) + (seconds ? 1 : 0)
        }
    }

    /// NaN or infinity make the difference unbounded: recorded as infinity, which JSON cannot
    /// hold, so it is kept as the largest finite double.
    private static func larger(_ current: Double?, _ value: Double) -> Double {
        let value = value.isFinite ? value : .greatestFiniteMagnitude
        return max(current ?? 0, value)
    }
}

extension ColumnStatistics.Kind {
    init?(of column: DiffColumn) {
        if column.isFloat || column.isNumeric || ["integer", "bigint", "smallint"].contains(column.type) {
            self = .number
        } else if column.type.hasPrefix("timestamp") {
            self = .time
        } else {
            return nil
        }
    }
}

/// What one column rule accepted in one table, with the first row (smallest key) as an example.
struct ColumnRuleTally: Sendable {
    var rule: VerdictRules.ColumnRule
    /// Changed rows in which this rule accepted the column's difference.
    var rows = 0
    var exampleKey: [[UInt8]]?
    var exampleValues: (left: String?, right: String?)?
}
