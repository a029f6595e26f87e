import Kafka
import Lifestream
import Logging
import Postgres
import Store

/// What `backfill replay --order arrival` did.
public struct ReplaySummary: Sendable {
    public var records: Int64 = 0
    public var invalidRecords = 0
    public var appliedStatements = 0
    public var skippedStatements = 0
    public var skippedByTable: [String: Int] = [:]
    public var rows: [String: Int] = [:]
    /// State schemas of the target whose subjects the next run refolds (`TargetReplacement`).
    public var marked: [TargetReplacement.Marked] = []
}

/// Emulates the live materializer into a schema (see `LiveMaterializerEmulator`), replacing
/// the nine tables' contents in one transaction. Optionally also writes the legacy
/// bookkeeping the older materializer kept (`event_ingest_dedupe`, `kafka_offsets`).
public struct LiveReplay {
    public var kafka: KafkaConfiguration
    public var postgres: PostgresConfiguration
    public var logger: Logger

    public init(kafka: KafkaConfiguration, postgres: PostgresConfiguration, logger: Logger) {
        self.kafka = kafka
        self.postgres = postgres
        self.logger = logger
    }

    /// Holds the target's `WriterLocks.schema` lock throughout (waiting up to `lockWait`
    /// seconds for it), so no run, import or other replay writes the schema meanwhile.
    public func run(topic: String, bounds: RunBounds, target: TargetSchema, legacyTables: Bool, legacyGroup: String = "materializer-v1",
                    lockWait: Double = 30) throws -> ReplaySummary {
        try SQL.checkIdentifier(target.name, role: "the target schema")
        let lease = try WriterLocks.acquire(
            [WriterLocks.schema(target.name)],
            on: try PostgresConnection.connect(postgres, applicationName: AdvisoryLease.holderName(job: "backfill replay"), applicationNameOverridesURL: true),
            wait: lockWait)
        defer { lease.release() }
        let plan = try RunPlanner(admin: KafkaAdmin(configuration: kafka)).plan(topic: topic, bounds: bounds)
        var emulator = LiveMaterializerEmulator()
        var summary = ReplaySummary()
        var eventIDs: [String] = []
        var seenEventIDs = Set<String>()
        try RangeReader(configuration: kafka).read(topic: topic, ranges: plan.ranges.filter { !$0.isEmpty }) { records in
            for record in records {
                summary.records += 1
                guard let value = record.value else { continue }
                emulator.apply(recordValue: value)
                if legacyTables, case .success(let decoded) = EventDecoder.decode(value), seenEventIDs.insert(decoded.event.eventID).inserted {
                    eventIDs.append(decoded.event.eventID)
                }
            }
        }
        summary.invalidRecords = emulator.invalidRecords
        summary.appliedStatements = emulator.appliedStatements
        summary.skippedStatements = emulator.skippedStatements
        summary.skippedByTable = emulator.skippedByTable

        let db = try PostgresConnection.connect(postgres)
        defer { db.close() }
        try db.execute("set client_min_messages = warning")
        try db.createIfMissing(target.createStatements)
        try db.transaction { tx in
            for table in LifestreamTables.all {
                let rows = emulator.tables[table.name] ?? [:]
                summary.rows[table.name] = rows.count
                try tx.execute("truncate \(target.table(table.name))")
                let columns = table.columnNames
                try tx.copyIn("copy \(target.table(table.name)) (\(columns.map(SQL.quoteIdentifier).joined(separator: ", "))) from stdin") { w in
                    for row in rows.values {
                        for column in columns { w.field(row[column] ?? nil) }
                        w.endRow()
                    }
                }
            }
            if legacyTables {
                for table in [LifestreamTables.legacyDedupe, LifestreamTables.legacyOffsets] {
                    try tx.execute(table.createStatement(schema: target.name, quote: SQL.quoteIdentifier))
                    try tx.execute("truncate \(target.table(table.name))")
                }
                try tx.copyIn("copy \(target.table("event_ingest_dedupe")) (event_id, processed_at) from stdin") { w in
                    for id in eventIDs { w.field(id); w.field("now"); w.endRow() }
                }
                for range in plan.ranges {
                    try tx.query("""
                        insert into \(target.table("kafka_offsets")) (consumer_group, topic, partition, "offset", updated_at)
                        values ($1, $2, $3, $4, now())
                        """, [.text(legacyGroup), .text(topic), .init(Int64(range.partition)), .init(range.end)])
                }
            }
            // The tables are no longer what the target's event logs say: the next run refolds.
            summary.marked = try TargetReplacement.markStale(target: target.name, replacedTables: Set(LifestreamTables.all.map(\.name)),
                                                             missingTables: false, checkpoint: nil, db: tx)
            try lease.confirm()
        }
        logger.info("replayed in arrival order", metadata: [
            "records": "\(summary.records)", "skipped_statements": "\(summary.skippedStatements)", "schema": "\(target.name)",
        ])
        return summary
    }
}
