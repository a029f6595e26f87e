import Backfill
import Foundation
import Kafka
import Lifestream
import Postgres
import Store
import TestSupport
import Testing

@Suite("run --after a snapshot: last night's snapshot plus tonight's range reproduces the state", .tags(.integration))
struct SnapshotCheckpointTests {
    @Test("a snapshot's checkpoint starts the next run where the run it reflects ended, in the same and in a restored schema")
    func snapshotPlusTonight() throws {
        let harness = try Harness(prefix: "snapafter")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("snapafter")).path
        defer {
            harness.dropSchemas()
            try? FileManager.default.removeItem(atPath: scratch)
        }
        let url = try TestEnvironment.databaseURL()
        let records = Array(EventGenerator(options: .damaged(events: 3_000, subjects: 300, seed: 53)))
        let half = records.count / 2

        // Last night: part 1, then the snapshot of its tables with the run's checkpoint.
        try harness.produce(Array(records[..<half]))
        let night = try harness.run()
        let snapshot = scratch + "/nightly"
        let export = try CLIProcess.run(["snapshot", "export", "--database-url", url, "--schema", harness.target, "--out", snapshot,
                                         "--checkpoint", harness.manifestDirectory + "/latest.json"])
        try #require(export.status == 0, "\(export.stderr)")

        // Tonight: part 2 arrives. The reference is one full run over everything.
        try harness.produce(Array(records[half...]))
        let full = harness.target + "_full"
        try harness.run(target: full)
        let expected = try harness.state(schema: full)

        // A restored database: the snapshot imported into a fresh schema, with the event log
        // the night's state schema holds (the tables alone cannot refold a subject).
        let restored = harness.target + "_restored"
        let load = try CLIProcess.run(["snapshot", "import", snapshot, "--database-url", url, "--schema", restored])
        try #require(load.status == 0, "\(load.stderr)")
        try seedEventLog(from: night.stateSchema, to: StateSchema.defaultName(forTarget: restored), target: restored, topic: harness.topic,
                         postgres: harness.postgres)
        let tonight = try CLIProcess.run(["run", "--after", snapshot, "--database-url", url, "--brokers", try TestEnvironment.kafkaBrokers(),
                                          "--topic", harness.topic, "--target-schema", restored,
                                          "--manifest-dir", scratch + "/manifests", "--json", "--quiet"])
        try #require(tonight.status == 0, "\(tonight.stderr)")
        let manifest = try RunManifest.load(path: scratch + "/manifests/latest.json")
        #expect(manifest.ranges.map(\.start) == night.ranges.map(\.end))
        #expect(manifest.counts.read == Int64(records.count - half))
        #expect(manifest.bounds.after == snapshot)
        #expect(manifest.bounds.afterRunID == night.runID)
        #expect(differences(try harness.state(schema: restored), expected) == [])

        // The nightly way: the same schema, --after the snapshot's manifest.json.
        let nightly = try CLIProcess.run(["run", "--after", snapshot + "/manifest.json", "--database-url", url,
                                          "--brokers", try TestEnvironment.kafkaBrokers(), "--topic", harness.topic,
                                          "--target-schema", harness.target, "--manifest-dir", scratch + "/manifests2", "--quiet"])
        try #require(nightly.status == 0, "\(nightly.stderr)")
        #expect(differences(try harness.state(), expected) == [])
    }

    @Test("a snapshot without a checkpoint, or for another topic, is refused with the reason")
    func refused() throws {
        let harness = try Harness(prefix: "snapnocp", partitions: 1)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("snapnocp")).path
        defer {
            harness.dropSchemas()
            try? FileManager.default.removeItem(atPath: scratch)
        }
        let url = try TestEnvironment.databaseURL()
        try harness.produce(Array(EventGenerator(options: .damaged(events: 50, subjects: 10, seed: 3, partitions: 1))))
        try harness.run()
        let bare = try CLIProcess.run(["snapshot", "export", "--database-url", url, "--schema", harness.target, "--out", scratch + "/bare"])
        try #require(bare.status == 0, "\(bare.stderr)")
        let noCheckpoint = try CLIProcess.run(["plan", "--after", scratch + "/bare", "--topic", harness.topic])
        #expect(noCheckpoint.status == 2)
        #expect(noCheckpoint.stderr.contains("has no checkpoint"), "\(noCheckpoint.stderr)")

        let marked = try CLIProcess.run(["snapshot", "export", "--database-url", url, "--schema", harness.target, "--out", scratch + "/marked",
                                         "--checkpoint", harness.manifestDirectory + "/latest.json"])
        try #require(marked.status == 0, "\(marked.stderr)")
        let admin = try KafkaAdmin(configuration: harness.kafka)
        try admin.createTopic(harness.topic + ".other", partitions: 1, config: ["retention.ms": "-1"])
        defer { try? admin.deleteTopic(harness.topic + ".other") }
        let otherTopic = try CLIProcess.run(["plan", "--after", scratch + "/marked", "--topic", harness.topic + ".other"])
        #expect(otherTopic.status == 2)
        #expect(otherTopic.stderr.contains("is for topic \(harness.topic)"), "\(otherTopic.stderr)")
        let plan = try CLIProcess.run(["plan", "--after", scratch + "/marked", "--topic", harness.topic, "--json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any]
        #expect((object?["total_records"] as? NSNumber)?.intValue == 0, "\(plan.stdout)")
    }

    /// The event log and duplicates of one state schema copied into a new one bound to `target`.
    private func seedEventLog(from source: String, to state: String, target: String, topic: String, postgres: PostgresConfiguration) throws {
        let db = try PostgresConnection.connect(postgres)
        defer { db.close() }
        let schema = StateSchema(name: state)
        try db.execute("set client_min_messages = warning")
        try schema.migrate(on: db, toolVersion: "test")
        try db.query("insert into \(schema.table("binding")) (target_schema, topic) values ($1, $2)", [.text(target), .text(topic)])
        for table in ["events", "duplicates"] {
            try db.execute("insert into \(schema.table(table)) select * from \(SQL.quoteIdentifier(source)).\(SQL.quoteIdentifier(table))")
        }
    }
}
