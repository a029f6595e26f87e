import Backfill
import Foundation
import Lifestream
import Postgres
import Testing
import TestSupport

extension Tag {
    /// Runs against PostgreSQL 15 (PG15_DATABASE_URL) instead of the suite's PostgreSQL 18.
    @Tag static var postgres15: Self
}

/// The main job on the other supported server version, PostgreSQL 15: the rest of the suite runs
/// on 18, so SQL that only 16+ accepts would otherwise go unnoticed. Without PG15_DATABASE_URL the
/// test fails (it does not skip): scripts/setup.sh installs Debian's postgresql-15 and
/// scripts/servers.sh runs a cluster of it.
@Suite("PostgreSQL 15 smoke test", .tags(.integration, .postgres15))
struct Postgres15SmokeTests {
    @Test("on PostgreSQL 15 a bulk run, an incremental run, a replay, a diff and a snapshot round trip work, and the tables equal the oracle")
    func mainJob() throws {
        let url = try TestEnvironment.postgres15URL()
        let harness = try Harness(prefix: "pg15", databaseURL: url)
        defer { harness.dropSchemas() }
        let version = try harness.scalar("select current_setting('server_version_num')") ?? ""
        try #require(version.hasPrefix("15"), "PG15_DATABASE_URL points at server version \(version), not 15")
        let directory = NSTemporaryDirectory() + TestEnvironment.uniqueName("pg15")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["DATABASE_URL": url, "KAFKA_BROKERS": harness.kafka.brokers]
        func cli(_ arguments: [String]) throws -> CLIProcess.Outcome { try CLIProcess.run(arguments, environment: environment) }

        // A bulk load into nothing, then an incremental run on the per-batch path.
        let records = Array(EventGenerator(options: .damaged(events: 3_000, subjects: 250, seed: 151)))
        try harness.produce(Array(records.prefix(1_800)))
        let first = try harness.run()
        try harness.produce(Array(records.dropFirst(1_800)))
        let second = try harness.runAfter(first)
        let runs = "\(harness.stateSchema).runs"
        #expect(try harness.scalar("select bulk::text from \(runs) where run_id = $1", [.text(first.runID)]) == "true")
        #expect(try harness.scalar("select bulk::text from \(runs) where run_id = $1", [.text(second.runID)]) == "false")
        let oracle = CanonicalOracle.evaluate(harness.produced).state
        let rebuilt = differences(try harness.state(), oracle)
        #expect(rebuilt == [], "\(rebuilt)")

        // The live job's emulation, and a diff of it against the rebuild in the same database.
        let live = harness.target + "_live"
        let replay = try cli(["replay", "--from-beginning", "--topic", harness.topic, "--target-schema", live, "--legacy-tables"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let diff = try cli(["diff", "--left", live, "--right", harness.target, "--reports-dir", directory + "/reports"])
        #expect(diff.status == 1, "the replay should differ from the rebuild: \(diff.stdout) \(diff.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory + "/reports"), "the diff wrote no reports")

        // A snapshot of the rebuild, imported elsewhere: the same tables, and a diff that says so.
        let snapshot = directory + "/snapshot"
        let export = try cli(["snapshot", "export", "--schema", harness.target, "--out", snapshot,
                              "--checkpoint", harness.manifestDirectory + "/\(second.runID).json"])
        #expect(export.status == 0, "\(export.stderr)")
        let copy = harness.target + "_copy"
        let imported = try cli(["snapshot", "import", snapshot, "--schema", copy])
        #expect(imported.status == 0, "\(imported.stderr)")
        let copied = differences(try harness.state(schema: copy), oracle)
        #expect(copied == [], "\(copied)")
        let same = try cli(["diff", "--left", copy, "--right", harness.target, "--reports-dir", directory + "/reports"])
        #expect(same.status == 0, "\(same.stdout) \(same.stderr)")
    }
}
