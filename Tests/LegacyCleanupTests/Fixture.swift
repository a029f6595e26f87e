import Backfill
@testable import BackfillCLI
import Foundation
import Kafka
import LegacyCleanup
import Lifestream
import Logging
import Postgres
import Store
import TestSupport

/// A live schema with the two legacy tables (Lifestream's DDL), an event log (Backfill's state
/// schema DDL), a topic on the real broker with a Flink group's committed offsets, and a folder
/// for reports and snapshots; all unique to one test and removed afterwards.
/// Not Sendable (it holds a libpq connection): a test that runs a cleanup on a thread of its own
/// hands that thread only the request, and `Fixture.cleanup` opens its own connections.
final class Fixture {
    let postgres: PostgresConfiguration
    let kafka: KafkaConfiguration
    let db: PostgresConnection
    /// The live schema holding the legacy tables.
    let schema: String
    /// The shadow schema (other side of a fresh diff) and its state schema (event log).
    let target: String
    let state: String
    let topic: String
    let group: String
    let directory: String

    var reports: String { (directory as NSString).appendingPathComponent("reports") }
    var snapshots: String { (directory as NSString).appendingPathComponent("snapshots") }

    init(prefix: String = "legacy", createTopic: Bool = true) throws {
        postgres = PostgresConfiguration(url: try TestEnvironment.databaseURL())
        kafka = try KafkaConfiguration(brokers: TestEnvironment.kafkaBrokers())
        db = try PostgresConnection.connect(postgres, applicationName: "legacy-cleanup-tests")
        schema = TestEnvironment.uniqueName(prefix)
        target = schema + "_shadow"
        state = StateSchema.defaultName(forTarget: target)
        topic = schema + ".raw"
        group = schema + "-flink"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("legacy-tests-\(schema)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try db.execute("set client_min_messages = warning")
        if createTopic {
            try KafkaAdmin(configuration: kafka).createTopic(topic, partitions: 2, config: ["retention.ms": "-1"])
        }
    }

    deinit {
        for name in [schema, target, state] { try? db.execute("drop schema if exists \(SQL.quoteIdentifier(name)) cascade") }
        db.close()
        try? KafkaAdmin(configuration: kafka).deleteTopic(topic)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The legacy tables exactly as the older materializer (and `replay --legacy-tables`) made them.
    func createLegacyTables() throws {
        try db.execute("create schema if not exists \(SQL.quoteIdentifier(schema))")
        for table in [LifestreamTables.legacyDedupe, LifestreamTables.legacyOffsets] {
            try db.execute(table.createStatement(schema: schema, quote: SQL.quoteIdentifier))
        }
    }

    /// Dedupe rows for `ids` and offset rows (group materializer-v1) for `offsets`.
    func fillLegacy(ids: [String], offsets: [Int32: Int64]) throws {
        for (index, id) in ids.enumerated() {
            try db.query("insert into \(table("event_ingest_dedupe")) (event_id, processed_at) values ($1, $2)",
                         [.text(id), .text("2026-11-0\(1 + index % 9)T10:00:\(String(format: "%02d", index % 60)).123456Z")])
        }
        for (partition, offset) in offsets {
            try db.query("""
                insert into \(table("kafka_offsets")) (consumer_group, topic, partition, "offset", updated_at)
                values ('materializer-v1', $1, $2, $3, '2026-11-20T00:00:00Z')
                """, [.text(topic), .init(partition), .init(offset)])
        }
    }

    /// Event log rows for `ids` (one subject each), as `backfill run` would have logged them.
    func logEvents(_ ids: [String]) throws {
        try StateSchema(name: state).migrate(on: db, toolVersion: "test")
        for (index, id) in ids.enumerated() {
            try db.query("""
                insert into \(SQL.qualifiedName(state, "events"))
                    (subject_id, event_id, event_type, occurred_at, payload, partition, "offset", record_timestamp)
                values ($1, $2, 'todo.created', '2026-11-01T00:00:00Z', '{"title":"t"}', 0, $3, '2026-11-01T00:00:00Z')
                """, [.text("todo-\(index)"), .text(id), .init(Int64(index))])
        }
    }

    func commitFlink(_ offsets: [Int32: Int64]) throws {
        try KafkaAdmin(configuration: kafka).commitOffsets(group: group, topic: topic, offsets: offsets)
    }

    /// `reports/cutover-latest.json` as `backfill cutover-report` writes it (the two fields read).
    func writeCutoverReport(verdict: String, age: TimeInterval = 60) throws {
        try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)
        let formatter = ISO8601DateFormatter()
        let json = """
            {"format_version": 1, "verdict": "\(verdict)", "generated_at": "\(formatter.string(from: Date().addingTimeInterval(-age)))"}
            """
        try Data(json.utf8).write(to: URL(fileURLWithPath: (reports as NSString).appendingPathComponent("cutover-latest.json")))
    }

    /// The standard healthy setup: 20 ids all logged, the Flink group at or past both partitions,
    /// a passing cutover report.
    func healthy() throws -> [String] {
        let ids = (0..<20).map { "evt-\($0)" }
        try createLegacyTables()
        try fillLegacy(ids: ids, offsets: [0: 10, 1: 7])
        try logEvents(ids)
        try commitFlink([0: 10, 1: 9])
        try writeCutoverReport(verdict: "pass")
        return ids
    }

    func request(confirm: Bool = true) -> CleanupRequest {
        var request = CleanupRequest(postgres: postgres, kafka: kafka, targetSchema: target)
        request.schema = schema
        request.group = group
        request.confirm = confirm
        request.reportsDirectory = reports
        request.snapshotsDirectory = snapshots
        request.lockTimeout = 5
        return request
    }

    func cleanup(_ request: CleanupRequest) throws -> CleanupOutcome {
        try Self.cleanup(request)
    }

    static func cleanup(_ request: CleanupRequest) throws -> CleanupOutcome {
        try LegacyCleanup(request: request, services: .standard(postgres: request.postgres, toolVersion: "test"),
                          logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }).run()
    }

    func table(_ name: String) -> String { SQL.qualifiedName(schema, name) }

    func exists(_ name: String) throws -> Bool {
        try db.query("select to_regclass($1) is not null", [.text(table(name))]).scalar == "t"
    }

    /// The table's COPY text in primary-key order (bytewise), as a byte-identity witness.
    func copyText(_ name: String) throws -> [UInt8] {
        let key = name == "kafka_offsets" ? "consumer_group collate \"C\", topic collate \"C\", partition" : "event_id collate \"C\""
        var bytes: [UInt8] = []
        _ = try db.copyOut("copy (select * from \(table(name)) order by \(key)) to stdout") { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Both tables' COPY text, keyed by name.
    func contents() throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for name in LegacyCleanup.tables where try exists(name) { result[name] = try copyText(name) }
        return result
    }

    func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}
