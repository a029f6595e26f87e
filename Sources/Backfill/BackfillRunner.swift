import Foundation
import Kafka
import Lifestream
import Logging
import Postgres
import Store

/// plan → pull → ingest → materialize → manifest (see docs/architecture.md): the run's state
/// machine over the parts that do the work — `RunLock`, `RunLedger`, `RunIngest`, `Materializer`.
public final class BackfillRunner {
    let kafka: KafkaConfiguration
    let postgres: PostgresConfiguration
    let logger: Logger
    public var onProgress: (@Sendable (RunProgress) -> Void)?
    /// Connection attempts before giving up when PostgreSQL refuses (a restart, a failover);
    /// waits double from 0.5 s between attempts.
    public var connectAttempts = 6

    public init(kafka: KafkaConfiguration, postgres: PostgresConfiguration, logger: Logger) {
        self.kafka = kafka
        self.postgres = postgres
        self.logger = logger
    }

    var connector: Connector { Connector(postgres: postgres, attempts: connectAttempts, logger: logger) }

    public func plan(topic: String, bounds: RunBounds) throws -> RunPlan {
        try RunPlanner(admin: KafkaAdmin(configuration: kafka)).plan(topic: topic, bounds: bounds)
    }

    /// Runs (or resumes) a backfill and returns its manifest, also written to disk.
    public func run(_ options: RunOptions) throws -> RunManifest {
        let started = Date()
        let session = try RunSession(kafka: kafka, connector: connector, options: options, logger: logger)
        defer { session.close() }
        session.onProgress = onProgress
        var planning = PhaseDurations()
        let plan = try planning.time("plan") { try self.plan(topic: options.topic, bounds: options.bounds) }
        let manifest = try session.execute(plan, started: started, durations: planning)
        logger.info("run complete", metadata: ["run_id": "\(manifest.runID)", "records": "\(manifest.counts.read)"])
        return manifest
    }
}

/// Seconds spent per phase of a run, for its manifest.
struct PhaseDurations {
    private(set) var seconds: [String: Double] = [:]

    mutating func time<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - start
            seconds[phase, default: 0] += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        return try body()
    }
}

extension RunManifest {
    /// A run's manifest from what the ledger holds (counts, rows written) and the plan it ran.
    init(_ run: RunRecord, rowsWritten: [String: Int64], plan: RunPlan, options: RunOptions, started: Date) {
        var counts = Counts()
        counts.read = run.read
        counts.valid = run.valid
        counts.duplicate = run.duplicate
        counts.quarantined = run.quarantined
        counts.pending = run.pending
        counts.subjectsRefolded = run.subjectsRefolded
        for table in LifestreamTables.all { counts.rowsWritten[table.name] = 0 }
        counts.rowsWritten.merge(rowsWritten) { $1 }
        let notes = plan.notes.sorted { $0.key < $1.key }.map { "partition \($0.key): \($0.value)" }
        self.init(runID: run.runID, toolVersion: options.toolVersion, topic: options.topic, targetSchema: options.target.name,
                  stateSchema: options.state.name, bounds: plan.bounds.summary, ranges: plan.ranges, notes: notes,
                  counts: counts, durations: [:], startedAt: started, finishedAt: Date(), status: RunStatus.complete.rawValue)
    }
}
