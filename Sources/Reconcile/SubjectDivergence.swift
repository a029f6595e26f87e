/// One subject's differing rows, per table and per cause: what a diff found about it, and what a
/// live verifier keeps running totals of (`DivergenceTotals`).
///
/// Counted as the report counts: rows a column rule accepted entirely are not here (the report
/// counts them under the rule); rows still differing are, with their cause.
public struct SubjectDivergence: Sendable, Equatable {
    public struct TableRows: Sendable, Equatable {
        public var onlyLeft = 0
        public var onlyRight = 0
        public var changed = 0
        /// Rows per cause; empty when causes were unavailable.
        public var causes: [DiffCause: Int] = [:]

        public init() {}

        public var differences: Int { onlyLeft + onlyRight + changed }
    }

    public var subject: String
    /// Per table with a differing row of this subject.
    public var tables: [String: TableRows]
    /// The subject's cause: the first in precedence among its rows' (nil when unavailable).
    public var cause: DiffCause?

    public init(subject: String, tables: [String: TableRows] = [:], cause: DiffCause? = nil) {
        self.subject = subject
        self.tables = tables
        self.cause = cause
    }

    public var differences: Int { tables.values.reduce(0) { $0 + $1.differences } }

    /// The subjects of `accumulators` with their rows per table (no causes yet).
    static func collect(_ accumulators: [DiffAccumulator]) -> [SubjectKey: SubjectDivergence] {
        var found: [SubjectKey: SubjectDivergence] = [:]
        for accumulator in accumulators {
            for (subject, kinds) in accumulator.subjects {
                var rows = TableRows()
                rows.onlyLeft = kinds.onlyLeft
                rows.onlyRight = kinds.onlyRight
                rows.changed = kinds.changed
                found[subject, default: SubjectDivergence(subject: subject.text)].tables[accumulator.table.name] = rows
            }
        }
        return found
    }
}
