/// The comparison of one table.
public struct TableDiff: Sendable, Codable, Equatable {
    public struct ColumnChanges: Sendable, Codable, Equatable {
        public var column: String
        /// Rows on both sides whose values differ in this column.
        public var rows: Int
        /// How far apart the changed values are (numbers, timestamps); only when collected for
        /// `backfill rules suggest`.
        public var statistics: ColumnStatistics?
        public init(column: String, rows: Int, statistics: ColumnStatistics? = nil) {
            self.column = column
            self.rows = rows
            self.statistics = statistics
        }
    }

    public var name: String
    public var primaryKey: [String]
    public var leftRows: Int
    public var rightRows: Int
    public var onlyLeft: Int
    public var onlyRight: Int
    /// Rows on both sides with at least one differing column.
    public var changed: Int
    /// Every non-key column, in table order, with its count (zero included).
    public var changedColumns: [ColumnChanges]
    /// Up to the requested number, smallest keys first (byte order of the key text).
    public var samples: [DiffSample]
    /// Differing rows and subjects per cause, every cause in precedence order; empty when
    /// causes are unavailable or the table names no subject.
    public var causes: [CauseCount]
    /// The counts after the verdict rules; nil when the diff ran without a rules file.
    public var ruled: RuledCounts?
    public var durationMilliseconds: Int

    public init(
        name: String, primaryKey: [String], leftRows: Int, rightRows: Int, onlyLeft: Int, onlyRight: Int,
        changed: Int, changedColumns: [ColumnChanges], samples: [DiffSample] = [], causes: [CauseCount] = [],
        durationMilliseconds: Int = 0
    ) {
        self.name = name
        self.primaryKey = primaryKey
        self.leftRows = leftRows
        self.rightRows = rightRows
        self.onlyLeft = onlyLeft
        self.onlyRight = onlyRight
        self.changed = changed
        self.changedColumns = changedColumns
        self.samples = samples
        self.causes = causes
        self.durationMilliseconds = durationMilliseconds
    }

    /// Differing rows: only-left + only-right + changed.
    public var differences: Int { onlyLeft + onlyRight + changed }
    public var matches: Bool { differences == 0 }

    /// The rows samples are drawn from: every differing row, or with rules those still
    /// differing after the column rules.
    public var sampledRows: Int { ruled.map { onlyLeft + onlyRight + $0.changed } ?? differences }

    /// The count of `kind`.
    public func count(_ kind: DifferenceKind) -> Int {
        switch kind {
        case .onlyLeft: onlyLeft
        case .onlyRight: onlyRight
        case .changed: changed
        }
    }
}

/// How many differing rows (and distinct subjects) one cause explains.
public struct CauseCount: Sendable, Codable, Equatable {
    public var cause: DiffCause
    public var rows: Int
    public var subjects: Int
    public init(cause: DiffCause, rows: Int, subjects: Int) {
        self.cause = cause
        self.rows = rows
        self.subjects = subjects
    }
}
