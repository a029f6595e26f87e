import Foundation
import Postgres
import Store

/// Runs a whole diff: checks both sides, compares every table in the chosen mode, explains
/// the differences with the event log, and returns the report. It writes nothing; rendering
/// and files are separate (`MarkdownReport`, `JSONReport`, `HTMLReport`, `ReportFiles`).
public enum DiffRunner {
    public static func run(_ request: DiffRequest, now: Date = Date()) throws -> DiffReport {
        try outcome(of: request, now: now).report
    }

    /// The diff with each differing subject, the subjects covered and the right side's reach
    /// (`DiffOutcome`): what recording a verified point or keeping running totals needs.
    ///
    /// An incremental diff (`request.selection`) first reads its subjects from the state schema
    /// on the right side's database (`SelectionResolver`), copies them into a temporary table on
    /// each side's connection (`ScopeTable`), and compares only their rows — streamed and merged,
    /// as two databases are — with the same counts, samples, causes and rules as a full diff.
    public static func outcome(of request: DiffRequest, now: Date = Date()) throws -> DiffOutcome {
        try request.validate()
        if let snapshot = request.snapshot { return try run(request, snapshot: snapshot, now: now) }
        let started = ContinuousClock.now
        let mode = request.mode
        let leftConnection = try PostgresConnection.connect(request.left.configuration, applicationName: "backfill-diff")
        defer { leftConnection.close() }
        let rightConnection = request.left.configuration.url == request.right.configuration.url
            ? leftConnection
            : try PostgresConnection.connect(request.right.configuration, applicationName: "backfill-diff")
        defer { if rightConnection !== leftConnection { rightConnection.close() } }
        try SessionSettings.apply(to: leftConnection)
        if rightConnection !== leftConnection { try SessionSettings.apply(to: rightConnection) }

        try TableResolver.requireSchema(request.left.schema, on: leftConnection, side: "left")
        try TableResolver.requireSchema(request.right.schema, on: rightConnection, side: "right")
        let tables = try TableResolver.resolve(request.tables, left: (leftConnection, request.left.schema),
                                              right: (rightConnection, request.right.schema))
        try request.rules?.validate(against: RulesCatalog.lifestream.overlaid(with: tables))
        let selection = try SelectionResolver.resolve(request, on: rightConnection)

        // An incremental diff streams its two sides even in one database: its rows are few, each
        // side's cost is a lookup per subject, and two connections look up at once.
        let accumulators: [DiffAccumulator] = if mode == .sameDatabase && selection.subjects == nil {
            try SameDatabaseDiff(connection: leftConnection, leftSchema: request.left.schema, rightSchema: request.right.schema,
                                 sampleLimit: request.sampleLimit, rules: request.rules, statistics: request.collectStatistics).diff(tables)
        } else {
            try CrossDatabaseDiff(left: request.left, right: request.right, sampleLimit: request.sampleLimit,
                                  rules: request.rules, statistics: request.collectStatistics, scope: selection.subjects).diff(tables)
        }
        return try outcome(request, accumulators, left: request.left.source, selection: selection, causesOn: rightConnection,
                           started: started, now: now)
    }

    /// A snapshot folder (left) against the right schema: the snapshot's files and the schema's
    /// rows are streamed in key order and merged, the files checked against their manifest as
    /// they are read.
    private static func run(_ request: DiffRequest, snapshot path: String, now: Date) throws -> DiffOutcome {
        let started = ContinuousClock.now
        let snapshot = try SnapshotReader(path: path)
        let connection = try PostgresConnection.connect(request.right.configuration, applicationName: "backfill-diff")
        defer { connection.close() }
        try SessionSettings.apply(to: connection)
        try TableResolver.requireSchema(request.right.schema, on: connection, side: "right")
        let tables = try SnapshotRowSource.resolve(request.tables, snapshot: snapshot, schema: request.right.schema, on: connection)
        try request.rules?.validate(against: RulesCatalog.lifestream.overlaid(with: tables))
        var accumulators: [DiffAccumulator] = []
        if !tables.isEmpty {
            let schemaStream = TableStream(configuration: request.right.configuration,
                                           statements: tables.map { SnapshotRowSource.schemaStatement($0, schema: request.right.schema) })
            accumulators = try CrossDatabaseDiff.merge(
                tables, left: try SnapshotRowSource.stream(snapshot, tables: tables), leftLabel: "snapshot \(path), table ",
                right: schemaStream, rightLabel: "right side, table \(request.right.schema).", sampleLimit: request.sampleLimit,
                rules: request.rules, statistics: request.collectStatistics)
        }
        let source = DiffSource(schema: "snapshot \((path as NSString).lastPathComponent)",
                                database: "\(path), exported from schema \(snapshot.manifest.source.schema) of "
                                    + "\(snapshot.manifest.source.host)/\(snapshot.manifest.source.database) at \(snapshot.manifest.createdAt)")
        var selection = ResolvedSelection(subjects: nil, scope: .full)
        selection.scope.withoutEventsNote = "a snapshot has no verified point"
        return try outcome(request, accumulators, left: source, selection: selection, causesOn: connection, started: started, now: now)
    }

    private static func outcome(
        _ request: DiffRequest, _ accumulators: [DiffAccumulator], left: DiffSource, selection: ResolvedSelection,
        causesOn connection: PostgresConnection, started: ContinuousClock.Instant, now: Date
    ) throws -> DiffOutcome {
        let explained: CauseAnalysis.Explained
        var scope = selection.scope
        if let stateSchema = request.stateSchema {
            explained = try CauseAnalysis.explain(accumulators, stateSchema: stateSchema, withoutEvents: selection.withoutEvents, on: connection)
            if !explained.summary.isAvailable, scope.withoutEventsAssessed {
                scope.withoutEventsAssessed = false
                scope.withoutEventsNote = "causes are unavailable"
            }
        } else {
            explained = CauseAnalysis.unexplained(accumulators, .unavailable("cause analysis was not requested"))
            if scope.withoutEventsAssessed {
                scope.withoutEventsAssessed = false
                scope.withoutEventsNote = "cause analysis was not requested"
            }
        }
        var tableDiffs = explained.tables
        var outcome: RulesOutcome?
        if let rules = request.rules {
            let columnResults = accumulators.flatMap { accumulator in
                accumulator.columnRuleResults().map { RulesJudgement.ColumnResult(rule: $0.rule, rows: $0.rows, example: $0.example) }
            }
            (tableDiffs, outcome) = RulesJudgement.judge(rules, tables: tableDiffs, columnResults: columnResults, causes: explained.summary,
                                                         maxDiffRows: request.maxDiffRows, maxDiffRowsSource: request.maxDiffRowsSource)
        }
        let report = DiffReport(generatedAt: now, mode: request.mode, left: left, right: request.right.source,
                                tables: tableDiffs, causes: explained.summary, maxDiffRows: request.maxDiffRows,
                                durationMilliseconds: started.elapsedMilliseconds, rules: outcome, scope: scope)
        var raw = Set<SubjectKey>()
        for accumulator in accumulators { raw.formUnion(accumulator.rawSubjects) }
        let differing = raw.sorted().map { subject in (subject: subject.text, cause: explained.subjects[subject]?.cause) }
        return DiffOutcome(report: report, subjects: explained.subjects.keys.sorted().compactMap { explained.subjects[$0] },
                           differing: differing, covered: selection.subjects, reached: selection.reached,
                           startedFrom: selection.startedFrom, pair: request.verifiedPair)
    }
}
