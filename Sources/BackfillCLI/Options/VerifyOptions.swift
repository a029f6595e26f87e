import ArgumentParser
import Foundation
import Postgres
import Reconcile

/// `follow --verify-against SCHEMA`: watch a cutover live (`LiveVerifier`).
struct VerifyOptions: ParsableArguments {
    @Option(name: .customLong("verify-against"), help: ArgumentHelp("Compare the live job's tables in this schema with the target while following: running totals by table and cause in /metrics and reports/verify-latest.{md,json,html}.", valueName: "schema"))
    var schema: String?

    @Option(name: .customLong("live-url"), help: ArgumentHelp("With --verify-against: the live tables' database. Default: --database-url.", valueName: "url"))
    var liveURL: String?

    @Option(name: .customLong("live-group"), help: ArgumentHelp("With --verify-against: the live job's consumer group; a subject is compared once it has read past the subject's records.", valueName: "group"))
    var liveGroup = "flink-materializer-v1"

    @Option(name: .customLong("verify-interval"), help: ArgumentHelp("With --verify-against: how often the live group is read and the subjects both sides have applied are compared.", valueName: "span"))
    var interval = TimeSpan(argument: "1s")!

    @Option(name: .customLong("report-interval"), help: ArgumentHelp("With --verify-against: how often reports/verify-latest.* are rewritten (and once more at the stop).", valueName: "span"))
    var reportInterval = TimeSpan(argument: "10s")!

    @Option(name: .customLong("reports-dir"), help: ArgumentHelp("With --verify-against: where verify-latest.* are written.", valueName: "dir"))
    var reportsDir = "reports"

    @Flag(name: .customLong("no-initial-diff"), help: "With --verify-against: skip the full diff at the start; only subjects touched from then on are counted.")
    var noInitialDiff = false

    @OptionGroup var rules: RulesOptions

    func validate() throws {
        guard interval.seconds > 0, reportInterval.seconds > 0 else { throw ValidationError("--verify-interval and --report-interval must be positive") }
        if let schema, schema.isEmpty { throw ValidationError("--verify-against needs the live schema's name") }
    }

    /// The verifier's options for a follower of `target` (state `stateSchema`) on `topic`, or nil
    /// without --verify-against.
    func options(target: String, stateSchema: String, topic: String, database: DatabaseOptions) throws -> LiveVerifyOptions? {
        guard let schema else { return nil }
        let shadow = try database.configuration()
        let live = liveURL.map(PostgresConfiguration.init(url:)) ?? shadow
        try live.validate()
        if schema == target && live.url == shadow.url {
            throw ValidationError("--verify-against \(schema) is the target itself; name the live job's schema")
        }
        var options = LiveVerifyOptions(live: DiffSide(configuration: live, schema: schema), shadow: DiffSide(configuration: shadow, schema: target),
                                        stateSchema: stateSchema, topic: topic, liveGroup: liveGroup,
                                        reportsDirectory: URL(fileURLWithPath: reportsDir, isDirectory: true))
        options.interval = interval.duration
        options.reportInterval = reportInterval.duration
        options.rules = try rules.load()
        options.initialFullDiff = !noInitialDiff
        return options
    }
}
