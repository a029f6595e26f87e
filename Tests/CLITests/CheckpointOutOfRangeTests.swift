import Backfill
import Foundation
import Kafka
import Postgres
import Store
import TestSupport
import Testing

/// A checkpoint (`--after`, the nightly's latest.json) whose offsets no longer fit the topic
/// must stop every command that follows it, naming the partition, both offsets and the way out:
/// reading nothing and exiting 0 would skip the new topic's records for ever.
@Suite("checkpoints that no longer fit the topic", .serialized, .tags(.integration))
struct CheckpointOutOfRangeTests {
    @Test("after the topic is recreated, plan, run and nightly --after the old manifest exit 2 naming partition, offsets and the way out")
    func recreatedTopic() throws {
        let fixture = try NightlyFixture("ckpt_recreated", events: 1_200)
        defer { fixture.dropSchemas() }
        try fixture.buildLive()
        let first = try fixture.nightly()
        #expect(first.status == 0, "\(first.everything)")
        let latest = fixture.manifests + "/latest.json"
        let before = try RunManifest.load(path: latest)
        #expect(before.ranges.allSatisfy { $0.end > 200 })

        // The topic is deleted and created again with fewer records than the manifest has seen.
        let regenerated = try CLIProcess.run(["generate", "--topic", fixture.topic, "--events", "300", "--subjects", "40",
                                              "--partitions", "2", "--recreate-topic", "--quiet"], environment: NightlyFixture.environment)
        try #require(regenerated.status == 0, "\(regenerated.everything)")
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: TestEnvironment.kafkaBrokers()))
        let high = try admin.watermarks(topic: fixture.topic, partition: 0).high
        let end = try #require(before.ranges.first { $0.partition == 0 }?.end)
        try #require(high < end)

        func expectRefusal(_ outcome: CLIProcess.Outcome, _ what: String) {
            #expect(outcome.status == 2, "\(what): \(outcome.everything)")
            #expect(outcome.stderr.contains("partition 0 of \(fixture.topic) should start at offset \(end)"), "\(what): \(outcome.stderr)")
            #expect(outcome.stderr.contains("ends at offset \(high)"), "\(what): \(outcome.stderr)")
            #expect(outcome.stderr.contains("--from-beginning") && outcome.stderr.contains("--since"), "\(what): \(outcome.stderr)")
            #expect(!outcome.stdout.contains("nothing new"), "\(what): \(outcome.stdout)")
        }
        let plan = try CLIProcess.run(["plan", "--after", latest, "--topic", fixture.topic], environment: NightlyFixture.environment)
        expectRefusal(plan, "plan")

        let manifestsBefore = try FileManager.default.contentsOfDirectory(atPath: fixture.manifests).sorted()
        let run = try CLIProcess.run(["run", "--after", latest, "--topic", fixture.topic, "--target-schema", fixture.shadow,
                                      "--manifest-dir", fixture.manifests, "--quiet"], environment: NightlyFixture.environment)
        expectRefusal(run, "run")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.manifests).sorted() == manifestsBefore, "run wrote a manifest")

        let night = try fixture.nightly()
        expectRefusal(night, "nightly")
        #expect(night.stderr.contains("backfill run --target-schema \(fixture.shadow)"), "\(night.stderr)")
        #expect(try fixture.summary()["exit_code"] as? Int == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.manifests).sorted() == manifestsBefore, "nightly wrote a manifest")

        let dry = try fixture.nightly(["--dry-run"])
        expectRefusal(dry, "nightly --dry-run")

        // The ways out the message names both work.
        let since = try CLIProcess.run(["plan", "--since", "2000-01-01T00:00:00Z", "--topic", fixture.topic, "--json"], environment: NightlyFixture.environment)
        #expect(since.status == 0, "\(since.everything)")
        #expect(since.stdout.contains("\"total_records\" : 300"), "\(since.stdout)")
    }

    @Test("a start below the low watermark (retention deleted records the manifest has not seen) exits 2 naming both offsets")
    func belowLowWatermark() throws {
        let fixture = try NightlyFixture("ckpt_low", events: 400)
        defer { fixture.dropSchemas() }
        let run = try CLIProcess.run(["run", "--from-beginning", "--until", "2026-01-01T00:00:00Z", "--topic", fixture.topic,
                                      "--target-schema", fixture.shadow, "--manifest-dir", fixture.manifests, "--quiet"],
                                     environment: NightlyFixture.environment)
        #expect(run.status == 0, "\(run.everything)")
        let manifest = try RunManifest.load(path: fixture.manifests + "/latest.json")
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: TestEnvironment.kafkaBrokers()))
        let end = try #require(manifest.ranges.first { $0.partition == 0 }?.end)
        let high = try admin.watermarks(topic: fixture.topic, partition: 0).high
        try #require(end < high)
        try admin.deleteRecords(topic: fixture.topic, before: [0: high])
        let plan = try CLIProcess.run(["plan", "--after", fixture.manifests + "/latest.json", "--topic", fixture.topic],
                                      environment: NightlyFixture.environment)
        #expect(plan.status == 2, "\(plan.everything)")
        #expect(plan.stderr.contains("partition 0 of \(fixture.topic) should start at offset \(end)"), "\(plan.stderr)")
        #expect(plan.stderr.contains("everything before \(high)"), "\(plan.stderr)")
        #expect(plan.stderr.contains("--since"), "\(plan.stderr)")
    }

    @Test("a checkpoint listing a partition twice is refused, from a run manifest and from a snapshot's checkpoint")
    func partitionListedTwice() throws {
        let fixture = try NightlyFixture("ckpt_twice", events: 200)
        defer { fixture.dropSchemas() }
        try FileManager.default.createDirectory(atPath: fixture.manifests, withIntermediateDirectories: true)
        let run = try CLIProcess.run(["run", "--from-beginning", "--topic", fixture.topic, "--target-schema", fixture.shadow,
                                      "--manifest-dir", fixture.manifests, "--quiet"], environment: NightlyFixture.environment)
        try #require(run.status == 0, "\(run.everything)")
        let path = fixture.manifests + "/latest.json"
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var ranges = try #require(object["ranges"] as? [[String: Any]])
        ranges.append(["partition": 0, "start": 0, "end": 1])
        object["ranges"] = ranges
        let doubled = fixture.directory + "/doubled.json"
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: doubled))

        for arguments in [["plan", "--after", doubled, "--topic", fixture.topic],
                          ["run", "--after", doubled, "--topic", fixture.topic, "--target-schema", fixture.shadow, "--manifest-dir", fixture.manifests]] {
            let outcome = try CLIProcess.run(arguments, environment: NightlyFixture.environment)
            #expect(outcome.status == 2, "\(arguments[0]): \(outcome.everything)")
            #expect(outcome.stderr.contains("lists partition 0 twice"), "\(arguments[0]): \(outcome.stderr)")
        }

        // A snapshot whose manifest's checkpoint names a partition twice.
        let snapshot = fixture.directory + "/snap"
        let export = try CLIProcess.run(["snapshot", "export", "--schema", fixture.shadow, "--tables", "subjects", "--out", snapshot,
                                         "--checkpoint", path])
        try #require(export.status == 0, "\(export.everything)")
        let manifestPath = snapshot + "/manifest.json"
        var snapshotManifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath))) as? [String: Any])
        var checkpoint = try #require(snapshotManifest["checkpoint"] as? [String: Any])
        var offsets = try #require(checkpoint["offsets"] as? [[String: Any]])
        offsets.append(["partition": 0, "end": 1])
        checkpoint["offsets"] = offsets
        snapshotManifest["checkpoint"] = checkpoint
        try JSONSerialization.data(withJSONObject: snapshotManifest).write(to: URL(fileURLWithPath: manifestPath))
        let plan = try CLIProcess.run(["plan", "--after", snapshot, "--topic", fixture.topic], environment: NightlyFixture.environment)
        #expect(plan.status == 2, "\(plan.everything)")
        #expect(plan.stderr.contains("partition 0 twice"), "\(plan.stderr)")
    }

    @Test("embed --after an embed manifest of a recreated topic exits 2 instead of embedding nothing")
    func embedAfterRecreatedTopic() throws {
        let topic = TestEnvironment.uniqueName("ckpt_texts")
        let schema = TestEnvironment.uniqueName("ckpt_embed")
        let directory = NSTemporaryDirectory() + TestEnvironment.uniqueName("ckpt_embed")
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            if let db = try? PostgresConnection.connect(PostgresConfiguration(url: TestEnvironment.databaseURL())) {
                try? db.execute("drop schema if exists \(SQL.quoteIdentifier(schema)) cascade")
                db.close()
            }
            try? KafkaAdmin(configuration: KafkaConfiguration(brokers: TestEnvironment.kafkaBrokers())).deleteTopic(topic)
        }
        let generated = try CLIProcess.run(["generate-texts", "--topic", topic, "--messages", "120", "--partitions", "2"])
        try #require(generated.status == 0, "\(generated.everything)")
        let embed = ["embed", "--topic", topic, "--schema", schema, "--manifest-dir", directory, "--synthetic-vectors", "--quiet"]
        let first = try CLIProcess.run(embed + ["--from-beginning"])
        try #require(first.status == 0, "\(first.everything)")

        let regenerated = try CLIProcess.run(["generate-texts", "--topic", topic, "--messages", "10", "--partitions", "2", "--recreate-topic"])
        try #require(regenerated.status == 0, "\(regenerated.everything)")
        let after = try CLIProcess.run(embed + ["--after", directory + "/latest.json"])
        #expect(after.status == 2, "\(after.everything)")
        #expect(after.stderr.contains("of \(topic) should start at offset"), "\(after.stderr)")
        #expect(after.stderr.contains("--from-beginning") && after.stderr.contains("--since"), "\(after.stderr)")
    }
}
