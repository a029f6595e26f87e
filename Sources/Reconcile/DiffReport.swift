import Foundation
import Store

/// Where one side's tables were read: schema and database URL with the password masked.
public struct DiffSource: Sendable, Codable, Equatable {
    public var schema: String
    /// `PostgresConfiguration.redactedURL`; never holds a password.
    public var database: String
    public init(schema: String, database: String) {
        self.schema = schema
        self.database = database
    }
}

/// How the tables were compared.
public enum DiffMode: String, Sendable, Codable {
    /// Both schemas in one database: one set-based query per table.
    case sameDatabase = "same_database"
    /// Two databases (or forced streaming): both sides streamed in key order and merged.
    case crossDatabase = "cross_database"
    /// A snapshot folder (left) against a schema (right): both streamed in key order and merged.
    case snapshot

    /// How the reports say it.
    public var phrase: String {
        switch self {
        case .sameDatabase: "one database"
        case .crossDatabase: "two databases, streamed"
        case .snapshot: "snapshot against a schema, streamed"
        }
    }
}

/// The outcome cron and CI gate on.
public enum DiffVerdict: String, Sendable, Codable {
    /// No differing row.
    case match
    /// Differing rows, but no more than the threshold allows.
    case withinThreshold = "within_threshold"
    /// More differing rows than the threshold allows.
    case diverged

    public static func judge(differences: Int, maxDiffRows: Int) -> DiffVerdict {
        differences == 0 ? .match : differences <= maxDiffRows ? .withinThreshold : .diverged
    }

    /// 0 for match and within threshold, 1 for diverged (errors exit 2 and have no verdict).
    public var exitCode: Int32 { self == .diverged ? 1 : 0 }
}

/// Totals over every compared table.
public struct DiffTotals: Sendable, Codable, Equatable {
    public var leftRows: Int
    public var rightRows: Int
    public var onlyLeft: Int
    public var onlyRight: Int
    public var changed: Int
    public var differences: Int

    public init(_ tables: [TableDiff]) {
        leftRows = tables.reduce(0) { $0 + $1.leftRows }
        rightRows = tables.reduce(0) { $0 + $1.rightRows }
        onlyLeft = tables.reduce(0) { $0 + $1.onlyLeft }
        onlyRight = tables.reduce(0) { $0 + $1.onlyRight }
        changed = tables.reduce(0) { $0 + $1.changed }
        differences = onlyLeft + onlyRight + changed
    }
}

/// Everything one `backfill diff` found: the value every renderer (Markdown, JSON, HTML,
/// terminal) and a later cutover report work from. Pure data, no I/O.
///
/// The JSON form (`JSONReport`) is this type with snake_case keys; `format_version` changes
/// whenever a field is removed or changes meaning (adding fields does not).
public struct DiffReport: Sendable, Codable, Equatable {
    /// Written without a rules file, with exactly the shape it always had.
    public static let currentFormatVersion = 1
    /// Written when a rules file judged the diff: `verdict_rules` and each table's `ruled` are
    /// there, the verdict is decided after the rules, and `causes` count the rows still
    /// differing after the column rules. Raw counts keep their keys and meaning.
    public static let rulesFormatVersion = 2

    public var formatVersion: Int
    /// When the diff started, to the second, UTC.
    public var generatedAt: Date
    public var mode: DiffMode
    public var left: DiffSource
    public var right: DiffSource
    /// The threshold: more differing rows than this is `diverged`.
    public var maxDiffRows: Int
    public var verdict: DiffVerdict
    public var totals: DiffTotals
    public var tables: [TableDiff]
    public var causes: CauseSummary
    /// How the rules file judged the diff; nil without one.
    public var verdictRules: RulesOutcome?
    /// Which rows were compared (full, or incremental since which checkpoint, how many subjects);
    /// nil in reports of versions before incremental diffs, which were all full.
    public var scope: DiffScope?
    public var durationMilliseconds: Int

    public init(
        generatedAt: Date, mode: DiffMode, left: DiffSource, right: DiffSource, tables: [TableDiff],
        causes: CauseSummary, maxDiffRows: Int, durationMilliseconds: Int, rules: RulesOutcome? = nil, scope: DiffScope? = nil
    ) {
        self.scope = scope
        self.formatVersion = rules == nil ? Self.currentFormatVersion : Self.rulesFormatVersion
        self.generatedAt = Date(timeIntervalSince1970: generatedAt.timeIntervalSince1970.rounded(.down))
        self.mode = mode
        self.left = left
        self.right = right
        self.maxDiffRows = maxDiffRows
        self.tables = tables
        self.causes = causes
        self.durationMilliseconds = durationMilliseconds
        self.totals = DiffTotals(tables)
        self.verdictRules = rules
        self.verdict = rules?.verdict ?? DiffVerdict.judge(differences: totals.differences, maxDiffRows: maxDiffRows)
    }

    /// Differing rows no rule accepted: the raw count without a rules file.
    public var differencesAfterRules: Int { verdictRules?.totals.remaining ?? totals.differences }

    public func table(_ name: String) -> TableDiff? { tables.first { $0.name == name } }
}

extension ReportFiles {
    /// Markdown, JSON and HTML of a diff, written as `write(_:prefix:latestName:into:at:)` writes.
    @discardableResult
    public static func write(_ report: DiffReport, into directory: URL) throws -> Written {
        try write([("md", MarkdownReport.render(report)), ("json", try JSONReport.render(report)), ("html", HTMLReport.render(report))],
                  into: directory, at: report.generatedAt)
    }
}
