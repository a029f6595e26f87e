import Backfill
import Foundation
import Lifestream
import Postgres
import Store
import Testing
import TestSupport
import Zstd

/// A state schema left by the tool before layouts had versions (`Fixtures/state-before-versions`,
/// written by commit e95774b) is migrated by the current code, and runs on from where it stood.
@Suite("Upgrading a state schema from before versions", .serialized, .tags(.integration))
struct UpgradeTests {
    @Test("a state schema from before versions is migrated in one step and the next run's tables equal the oracle")
    func upgradeFromBeforeVersions() throws {
        let harness = try Harness(prefix: "upgrade")
        defer { harness.dropSchemas() }
        // The records the fixture's two runs read, at the same offsets, then new ones.
        try harness.produce(Array(EventGenerator(options: .damaged(events: 800, subjects: 120, seed: 31))))
        try harness.produce(Array(EventGenerator(options: .damaged(events: 400, subjects: 120, seed: 32))))
        try harness.execute(try Self.fixtureSQL(target: harness.target, topic: harness.topic))
        let state = StateSchema(name: StateSchema.defaultName(forTarget: harness.target))
        let db = try PostgresConnection.connect(harness.postgres)
        defer { db.close() }
        #expect(try state.version(on: db) == .unversioned)

        let fixtureManifest = try Self.fixtureManifest(target: harness.target, topic: harness.topic)
        try harness.produce(Array(EventGenerator(options: .damaged(events: 600, subjects: 150, seed: 33))))
        let manifest = try harness.runAfter(fixtureManifest)

        #expect(try state.version(on: db) == .version(StateMigrations.latest))
        #expect(try harness.scalar("select count(*) from \(harness.stateSchema).schema_version") == String(StateMigrations.all.count))
        #expect(differences(try harness.state(), CanonicalOracle.evaluate(harness.produced).state) == [])
        #expect(manifest.counts.read == 600)
        #expect(manifest.counts.read == manifest.counts.valid + manifest.counts.duplicate + manifest.counts.quarantined)
        // The runs the old version recorded are still read (their plans and counts decode).
        #expect(try harness.scalar("select count(*) from \(harness.stateSchema).runs where status = 'complete'") == "3")
    }

    /// The fixture's dump under this test's schema and topic names.
    static func fixtureSQL(target: String, topic: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "schemas.sql", withExtension: "zst", subdirectory: "state-before-versions"))
        var data = Data()
        _ = try ZstdFileReader(path: url.path).read { data.append(contentsOf: $0) }
        return String(decoding: data, as: UTF8.self)
            .replacingOccurrences(of: "upgrade-fixture.raw", with: topic)
            .replacingOccurrences(of: "upgrade_fixture", with: target)
    }

    static func fixtureManifest(target: String, topic: String) throws -> RunManifest {
        let url = try #require(Bundle.module.url(forResource: "latest", withExtension: "json", subdirectory: "state-before-versions"))
        var manifest = try RunManifest.load(path: url.path)
        manifest.topic = topic
        manifest.targetSchema = target
        manifest.stateSchema = StateSchema.defaultName(forTarget: target)
        return manifest
    }
}
