/// One table's counts after the verdict rules (`TableDiff.ruled`); the raw counts stay where
/// they are in `TableDiff`.
public struct RuledCounts: Sendable, Codable, Equatable {
    /// Changed rows whose every difference a column rule accepted.
    public var acceptedByColumnRules: Int
    /// Changed rows still differing after the column rules.
    public var changed: Int
    /// Every non-key column with the rows still differing in it after the column rules.
    public var changedColumns: [TableDiff.ColumnChanges]
    /// Rows of this table whose cause a cause rule accepted.
    public var acceptedByCauseRules: Int
    /// What is left: only-left + only-right + changed (after column rules) − accepted by cause
    /// rules. The sum over tables is judged against the everything-else limit.
    public var differences: Int

    public init(acceptedByColumnRules: Int, changed: Int, changedColumns: [TableDiff.ColumnChanges], acceptedByCauseRules: Int,
                differences: Int) {
        self.acceptedByColumnRules = acceptedByColumnRules
        self.changed = changed
        self.changedColumns = changedColumns
        self.acceptedByCauseRules = acceptedByCauseRules
        self.differences = differences
    }
}

/// The first row (smallest key) a column rule accepted, with the column's two values.
public struct RuleExample: Sendable, Codable, Equatable {
    public var key: [DiffSample.KeyField]
    public var left: String?
    public var right: String?
    public init(key: [DiffSample.KeyField], left: String?, right: String?) {
        self.key = key
        self.left = left
        self.right = right
    }
}

/// How a diff was judged by its rules file (`DiffReport.verdictRules`): each rule with what it
/// accepted and why, the limit for everything else, and the totals before and after.
public struct RulesOutcome: Sendable, Codable, Equatable {
    /// The rules file as named, and the SHA-256 of its bytes.
    public var file: String
    public var sha256: String
    public var rules: [RuleResult]
    public var everythingElse: EverythingElse
    public var totals: Totals
    /// Why the verdict is diverged, one sentence each; empty when it is not.
    public var failures: [String]
    /// Rules not applied and why (a table not compared, causes unavailable).
    public var notes: [String]

    public struct RuleResult: Sendable, Codable, Equatable {
        /// `tables.<table>.columns.<column>` or `causes.<cause>`.
        public var id: String
        /// The line of the rules file it was written on.
        public var line: Int
        /// `ignore`, `tolerance`, `precision` or `cause`.
        public var kind: String
        public var table: String?
        public var column: String?
        public var cause: DiffCause?
        /// The comparison in words (`within 1e-9 absolute`); for a cause rule its summary.
        public var detail: String
        /// A cause rule's limit in rows; nil for an unlimited one and for column rules.
        public var limit: Int?
        /// Rows the rule applied to: for a column rule, changed rows in which it accepted the
        /// column's difference; for a cause rule, the rows of that cause (after column rules).
        public var rows: Int
        /// Rows it accepted: `rows`, or 0 for a cause rule over its limit.
        public var accepted: Int
        /// False only for a cause rule over its limit.
        public var passed: Bool
        /// False when it could not apply (see `note`).
        public var applied: Bool
        public var reason: String
        public var note: String?
        /// For a column rule: the first row it accepted.
        public var example: RuleExample?
    }

    /// The limit for differing rows that no rule accepted.
    public struct EverythingElse: Sendable, Codable, Equatable {
        public var limit: Int
        /// `rules file line 4`, `--max-diff-rows`, …
        public var setBy: String
        public var reason: String?
        /// Rows no rule accepted.
        public var rows: Int
        public var passed: Bool
    }

    public struct Totals: Sendable, Codable, Equatable {
        /// Raw differing rows (as `DiffTotals.differences`).
        public var differences: Int
        public var acceptedByColumnRules: Int
        public var acceptedByCauseRules: Int
        /// Differing rows no rule accepted.
        public var remaining: Int
    }

    public var accepted: Int { totals.acceptedByColumnRules + totals.acceptedByCauseRules }

    /// The verdict after the rules: match when nothing differed at all, diverged when a cause
    /// rule is over its limit or the rest over the everything-else limit, else within threshold.
    public var verdict: DiffVerdict {
        totals.differences == 0 ? .match : failures.isEmpty ? .withinThreshold : .diverged
    }
}
