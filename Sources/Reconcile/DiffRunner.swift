import Foundation
import Postgres

/// Runs a whole diff: checks both sides, compares every table in the chosen mode, explains
/// the differences with the event log, and returns the report. It writes nothing; rendering
/// and files are separate (`MarkdownReport`, `JSONReport`, `HTMLReport`, `ReportFiles`).
public enum DiffRunner {
    public static func run(_ request: DiffRequest, now: Date = Date()) throws -> DiffReport {
        try request.validate()
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

        try TableCatalog.requireSchema(request.left.schema, on: leftConnection, side: "left")
        try TableCatalog.requireSchema(request.right.schema, on: rightConnection, side: "right")
        let tables = try TableCatalog.resolve(request.tables, left: (leftConnection, request.left.schema),
                                              right: (rightConnection, request.right.schema))

        let accumulators: [DiffAccumulator] = switch mode {
        case .sameDatabase:
            try SameDatabaseDiff(connection: leftConnection, leftSchema: request.left.schema,
                                 rightSchema: request.right.schema, sampleLimit: request.sampleLimit).diff(tables)
        case .crossDatabase:
            try CrossDatabaseDiff(left: request.left, right: request.right, sampleLimit: request.sampleLimit).diff(tables)
        }

        let tableDiffs: [TableDiff]
        let causes: CauseSummary
        if let stateSchema = request.stateSchema {
            (tableDiffs, causes) = try CauseAnalysis.explain(accumulators, stateSchema: stateSchema, on: rightConnection)
        } else {
            tableDiffs = accumulators.map { $0.tableDiff() }
            causes = .unavailable("cause analysis was not requested")
        }
        return DiffReport(generatedAt: now, mode: mode, left: request.left.source, right: request.right.source,
                          tables: tableDiffs, causes: causes, maxDiffRows: request.maxDiffRows,
                          durationMilliseconds: started.elapsedMilliseconds)
    }
}
