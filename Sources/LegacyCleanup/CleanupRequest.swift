import Foundation
import Kafka
import Postgres
import Store

/// Everything `backfill cleanup-legacy` is told: where, which group, how strict, and whether to act.
public struct CleanupRequest: Sendable {
    public var postgres: PostgresConfiguration
    public var kafka: KafkaConfiguration
    /// The live schema holding the legacy tables (and the nine tables the fresh diff compares).
    public var schema: String = "lifestream"
    /// The Flink job's consumer group, whose committed offsets must have caught up.
    public var group: String = "flink-materializer-v1"
    /// The backfill's rebuild of the nine tables: the other side of a fresh diff.
    public var targetSchema: String = "lifestream_shadow"
    /// The tool's event log schema (`<target>_backfill` by default).
    public var stateSchema: String
    public var unknownThreshold: UnknownThreshold = .count(0)
    /// A cutover report older than this is not trusted: a fresh diff runs instead.
    public var maxReportAge: TimeInterval = 24 * 3600
    /// Differing rows a fresh diff tolerates (as `backfill diff --max-diff-rows`).
    public var maxDiffRows: Int = 0
    /// Overrides a failing cutover check; recorded in the report.
    public var force: String?
    /// False: a dry run that changes nothing and writes nothing.
    public var confirm = false
    public var reportsDirectory = "reports"
    public var snapshotsDirectory = "snapshots"
    /// How long the drop waits for its ACCESS EXCLUSIVE lock before giving up.
    public var lockTimeout: TimeInterval = 10
    /// With `confirm`: how long to wait for the schema's writer lock (`WriterLocks.schema`)
    /// while a run, import or replay writes it, before giving up.
    public var writerLockWait: TimeInterval = 30

    public init(postgres: PostgresConfiguration, kafka: KafkaConfiguration, targetSchema: String = "lifestream_shadow", stateSchema: String? = nil) {
        self.postgres = postgres
        self.kafka = kafka
        self.targetSchema = targetSchema
        self.stateSchema = stateSchema ?? StateSchema.defaultName(forTarget: targetSchema)
    }

    /// The file the cutover check reads.
    public var cutoverReportPath: String {
        (reportsDirectory as NSString).appendingPathComponent("cutover-latest.json")
    }

    func validate() throws {
        for (what, value) in [("schema", schema), ("group", group), ("target schema", targetSchema), ("state schema", stateSchema)] where value.isEmpty {
            throw CleanupError(code: .invalidOption, message: "the \(what) must not be empty")
        }
        if maxReportAge < 0 { throw CleanupError(code: .invalidOption, message: "the maximum report age must not be negative") }
        if maxDiffRows < 0 { throw CleanupError(code: .invalidOption, message: "the differing-row threshold must be 0 or more") }
        if lockTimeout <= 0 { throw CleanupError(code: .invalidOption, message: "the lock timeout must be positive") }
        if let force, force.trimmingCharacters(in: .whitespaces).isEmpty {
            throw CleanupError(code: .invalidOption, message: "--force needs a reason, which is recorded in the cleanup report")
        }
    }
}
