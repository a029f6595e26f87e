import Postgres
import Store

/// What to compare and how; the input of `DiffRunner.run`.
public struct DiffRequest: Sendable {
    public var left: DiffSide
    public var right: DiffSide
    public var tables: [TableSpec]
    /// Sample rows per table (0 for none).
    public var sampleLimit: Int
    /// The state schema holding the event log, looked up in the right side's database; nil
    /// skips cause analysis.
    public var stateSchema: String?
    /// More differing rows than this (over all tables) is `diverged`.
    public var maxDiffRows: Int
    /// Stream and merge even when both sides share a database (benchmarks, cross-checks).
    public var forceStreaming: Bool
    /// A snapshot folder to compare instead of the left schema: it is the left side, `right`
    /// the schema it is compared with (`left` is then ignored).
    public var snapshot: String?
    /// The verdict rules the diff is judged by; nil judges by `maxDiffRows` alone, as always.
    public var rules: VerdictRules?
    /// Where `maxDiffRows` was given explicitly (`--max-diff-rows`, BACKFILL_MAX_DIFF_ROWS from
    /// a file…): it then overrides a rules file's `[other]` limit. nil when it is the default.
    public var maxDiffRowsSource: String?
    /// Collect how far apart changed numbers and timestamps are (`ColumnStatistics`), for
    /// `backfill rules suggest`; the same-database query then returns those values too.
    public var collectStatistics = false
    /// Which subjects' rows to compare: all (a full diff), or an incremental diff's.
    public var selection: DiffSelection = .all

    public init(
        left: DiffSide, right: DiffSide, tables: [TableSpec] = TableSpec.lifestream, sampleLimit: Int = 5,
        stateSchema: String? = nil, maxDiffRows: Int = 0, forceStreaming: Bool = false
    ) {
        self.left = left
        self.right = right
        self.tables = tables
        self.sampleLimit = sampleLimit
        self.stateSchema = stateSchema
        self.maxDiffRows = maxDiffRows
        self.forceStreaming = forceStreaming
    }

    /// One database when both sides use the very same connection string.
    public var mode: DiffMode {
        if snapshot != nil { return .snapshot }
        return left.configuration.url == right.configuration.url && !forceStreaming ? .sameDatabase : .crossDatabase
    }

    /// The two schemas as a verified point names them (the left database with its password masked).
    public var verifiedPair: VerifiedPair {
        VerifiedPair(leftSchema: left.schema, leftDatabase: left.configuration.redactedURL, rightSchema: right.schema)
    }

    /// The backfill's convention (`StateSchema.defaultName(forTarget:)`): `<target>_backfill`.
    public static func defaultStateSchema(forRight schema: String) -> String { "\(schema)_backfill" }

    func validate() throws {
        if sampleLimit < 0 {
            throw ReconcileError(code: .invalidOption, message: "the sample count must be 0 or more, not \(sampleLimit)")
        }
        if maxDiffRows < 0 {
            throw ReconcileError(code: .invalidOption, message: "the differing-row threshold must be 0 or more, not \(maxDiffRows)")
        }
        if tables.isEmpty {
            throw ReconcileError(code: .invalidOption, message: "no table to compare")
        }
        if selection.isIncremental {
            if snapshot != nil {
                throw ReconcileError(code: .invalidOption, message: "an incremental diff compares two schemas; a snapshot is read whole, so compare it with a full diff")
            }
            if let table = tables.first(where: { $0.subjectColumn == nil }) {
                throw ReconcileError(code: .invalidOption, message: "table \(table.name) has no subject column, so an incremental diff cannot choose its rows")
            }
        }
    }
}
