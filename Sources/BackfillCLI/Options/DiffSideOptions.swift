import ArgumentParser
import Backfill
import Foundation
import Postgres
import Reconcile
import Store

/// What two schemas to compare and how: shared by `diff` and `cutover-report`.
struct DiffSideOptions: ParsableArguments {
    @Option(help: "Schema of the left side (usually the live tables).")
    var left: String = "lifestream"

    @Option(help: "Schema of the right side (usually the backfill's shadow).")
    var right: String = "lifestream_shadow"

    @Option(name: .customLong("left-url"), help: ArgumentHelp("Database of the left side. Default: --database-url.", valueName: "url"))
    var leftURL: String?

    @Option(name: .customLong("right-url"), help: ArgumentHelp("Database of the right side. Default: --database-url.", valueName: "url"))
    var rightURL: String?

    @Option(help: ArgumentHelp("Only these tables (comma-separated).", valueName: "table,…"))
    var tables: String?

    @Option(help: "Sample rows shown per table.")
    var samples: Int = 5

    @Option(name: .customLong("state-schema"),
            help: ArgumentHelp("Schema of the event log used to explain differences. Default: <right>_backfill.", valueName: "schema"))
    var stateSchema: String?

    @Flag(name: .customLong("no-causes"), help: "Skip the cause analysis.")
    var noCauses = false

    @Option(name: .customLong("max-diff-rows"), help: ArgumentHelp("Differing rows (all tables) tolerated before the verdict is diverged. Default: 0; with --rules, the rules file's [other] limit (this flag overrides it).", valueName: "rows"))
    var maxDiffRows: Int?

    @Flag(help: "Stream and merge-join even when both sides are in one database.")
    var streaming = false

    /// The diff of `left` against `right` (`rightSchema` overrides `--right`).
    func request(database: DatabaseOptions, rightSchema: String? = nil) throws -> DiffRequest {
        let right = rightSchema ?? self.right
        // DATABASE_URL is only needed for a side without its own URL.
        let fallback = leftURL == nil || rightURL == nil ? try database.configuration() : nil
        let leftConfiguration = leftURL.map(PostgresConfiguration.init(url:)) ?? fallback!
        let rightConfiguration = rightURL.map(PostgresConfiguration.init(url:)) ?? fallback!
        try leftConfiguration.validate()
        try rightConfiguration.validate()
        let names = tables?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return DiffRequest(
            left: DiffSide(configuration: leftConfiguration, schema: left),
            right: DiffSide(configuration: rightConfiguration, schema: right),
            tables: try names.map { try TableSpec.select($0) } ?? TableSpec.lifestream,
            sampleLimit: samples,
            stateSchema: noCauses ? nil : stateSchema ?? StateSchema.defaultName(forTarget: right),
            maxDiffRows: maxDiffRows ?? 0,
            forceStreaming: streaming)
    }

    /// Where an explicit `--max-diff-rows` came from (it overrides a rules file's limit).
    var maxDiffRowsSource: String? { maxDiffRows == nil ? nil : "--max-diff-rows" }
}
