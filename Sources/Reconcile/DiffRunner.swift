import Foundation
import Postgres
import Store

/// Runs a whole diff: checks both sides, compares every table in the chosen mode, explains
/// the differences with the event log, and returns the report. It writes nothing; rendering
/// and files are separate (`MarkdownReport`, `JSONReport`, `HTMLReport`, `ReportFiles`).
public enum DiffRunner {
    public static func run(_ request: DiffRequest, now: Date = Date()) throws -> DiffReport {
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

        let accumulators: [DiffAccumulator] = switch mode {
        case .sameDatabase:
            try SameDatabaseDiff(connection: leftConnection, leftSchema: request.left.schema, rightSchema: request.right.schema,
                                 sampleLimit: request.sampleLimit, rules: request.rules, statistics: request.collectStatistics).diff(tables)
        case .crossDatabase, .snapshot:
            try CrossDatabaseDiff(left: request.left, right: request.right, sampleLimit: request.sampleLimit,
                                  rules: request.rules, statistics: request.collectStatistics).diff(tables)
        }
        return try report(request, accumulators, left: request.left.source, causesOn: rightConnection, started: started, now: now)
    }

    /// A snapshot folder (left) against the right schema: the snapshot's files and the schema's
    /// rows are streamed in key order and merged, the files checked against their manifest as
    /// they are read.
    private static func run(_ request: DiffRequest, snapshot path: String, now: Date) throws -> DiffReport {
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
        return try report(request, accumulators, left: source, causesOn: connection, started: started, now: now)
    }

    private static func report(
        _ request: DiffRequest, _ accumulators: [DiffAccumulator], left: DiffSource, causesOn connection: PostgresConnection,
        started: ContinuousClock.Instant, now: Date
    ) throws -> DiffReport {
        var tableDiffs: [TableDiff]
        let causes: CauseSummary
        if let stateSchema = request.stateSchema {
            (tableDiffs, causes) = try CauseAnalysis.explain(accumulators, stateSchema: stateSchema, on: connection)
        } else {
            tableDiffs = accumulators.map { $0.tableDiff() }
            causes = .unavailable("cause analysis was not requested")
        }
        var outcome: RulesOutcome?
        if let rules = request.rules {
            let columnResults = accumulators.flatMap { accumulator in
                accumulator.columnRuleResults().map { RulesJudgement.ColumnResult(rule: $0.rule, rows: $0.rows, example: $0.example) }
            }
            (tableDiffs, outcome) = RulesJudgement.judge(rules, tables: tableDiffs, columnResults: columnResults, causes: causes,
                                                         maxDiffRows: request.maxDiffRows, maxDiffRowsSource: request.maxDiffRowsSource)
        }
        return DiffReport(generatedAt: now, mode: request.mode, left: left, right: request.right.source,
                          tables: tableDiffs, causes: causes, maxDiffRows: request.maxDiffRows,
                          durationMilliseconds: started.elapsedMilliseconds, rules: outcome)
    }
}
