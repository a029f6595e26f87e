import Backfill
import Foundation
import Kafka
import Postgres
import TestSupport
import Testing

/// PostgreSQL cuts every name to 63 bytes with only a NOTICE. Every name the tool creates (or
/// derives) is checked first, so two long names can never silently become one schema.
@Suite("names longer than PostgreSQL keeps", .serialized, .tags(.integration))
struct IdentifierLengthTests {
    /// Schemas whose name starts with `prefix`.
    static func schemas(startingWith prefix: String) throws -> [String] {
        let db = try NightlyFixture.database()
        defer { db.close() }
        return try db.query("select nspname from pg_namespace where starts_with(nspname, $1) order by 1", [.text(prefix)]).map { $0[0]! }
    }

    static func drop(schemasStartingWith prefix: String) {
        guard let db = try? NightlyFixture.database() else { return }
        defer { db.close() }
        for name in (try? schemas(startingWith: prefix)) ?? [] { try? db.execute("drop schema \(SQL.quoteIdentifier(name)) cascade") }
    }

    /// A unique name of exactly `bytes` bytes.
    static func name(_ prefix: String, bytes: Int) -> String {
        let base = TestEnvironment.uniqueName(prefix)
        return base + String(repeating: "x", count: bytes - base.utf8.count)
    }

    @Test("a 63-byte --target-schema, whose state schema <target>_backfill PostgreSQL would cut back to the target, is refused before anything is created")
    func stateSchemaWouldBeTheTarget() throws {
        let fixture = try NightlyFixture("idlen_state", events: 100)
        defer { fixture.dropSchemas() }
        let target = Self.name("idlen_s", bytes: 63)
        defer { Self.drop(schemasStartingWith: String(target.prefix(20))) }
        let run = try CLIProcess.run(["run", "--from-beginning", "--topic", fixture.topic, "--target-schema", target,
                                      "--manifest-dir", fixture.manifests, "--quiet"], environment: NightlyFixture.environment)
        #expect(run.status == 2, "\(run.everything)")
        #expect(run.stderr.contains("the state schema <target>_backfill \(target)_backfill is 72 bytes long"), "\(run.stderr)")
        #expect(run.stderr.contains("keeps only the first 63 bytes"), "\(run.stderr)")
        #expect(run.stderr.contains("--state-schema"), "\(run.stderr)")
        #expect(try Self.schemas(startingWith: String(target.prefix(20))).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: fixture.manifests + "/latest.json"))

        // With a short state schema of its own the same target works.
        let named = try CLIProcess.run(["run", "--from-beginning", "--topic", fixture.topic, "--target-schema", target,
                                        "--state-schema", String(target.prefix(40)) + "_st", "--manifest-dir", fixture.manifests, "--quiet"],
                                       environment: NightlyFixture.environment)
        #expect(named.status == 0, "\(named.everything)")
    }

    @Test("two 64-byte target schemas sharing their first 63 bytes are refused by run and replay, so they never merge")
    func longTargetSchemas() throws {
        let fixture = try NightlyFixture("idlen_target", events: 100)
        defer { fixture.dropSchemas() }
        let stem = Self.name("idlen_t", bytes: 63)
        defer { Self.drop(schemasStartingWith: String(stem.prefix(20))) }
        for (index, target) in [stem + "a", stem + "b"].enumerated() {
            let run = try CLIProcess.run(["run", "--from-beginning", "--topic", fixture.topic, "--target-schema", target,
                                          "--state-schema", "idlen_state_\(index)_" + String(UUID().uuidString.prefix(8)).lowercased(),
                                          "--manifest-dir", fixture.manifests, "--quiet"], environment: NightlyFixture.environment)
            #expect(run.status == 2, "\(run.everything)")
            #expect(run.stderr.contains("the target schema \(target) is 64 bytes long"), "\(run.stderr)")
            let replay = try CLIProcess.run(["replay", "--from-beginning", "--topic", fixture.topic, "--target-schema", target, "--quiet"],
                                            environment: NightlyFixture.environment)
            #expect(replay.status == 2, "\(replay.everything)")
            #expect(replay.stderr.contains("is 64 bytes long"), "\(replay.stderr)")
        }
        #expect(try Self.schemas(startingWith: String(stem.prefix(20))).isEmpty)
    }

    @Test("an embeddings table whose HNSW index name would be cut is refused before the table is created")
    func embeddingIndexName() throws {
        let schema = TestEnvironment.uniqueName("idlen_embed")
        defer { Self.drop(schemasStartingWith: schema) }
        let table = Self.name("t", bytes: 52)
        let outcome = try CLIProcess.run(["embed", "--from-beginning", "--topic", TestEnvironment.uniqueName("idlen_texts"), "--schema", schema,
                                          "--table", table, "--build-index", "--synthetic-vectors", "--quiet",
                                          "--manifest-dir", NSTemporaryDirectory() + TestEnvironment.uniqueName("idlen")])
        #expect(outcome.status == 2, "\(outcome.everything)")
        #expect(outcome.stderr.contains("\(table)_embedding_hnsw is 67 bytes long"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("at most 48 bytes"), "\(outcome.stderr)")
        #expect(try Self.schemas(startingWith: schema).isEmpty)
    }

    @Test("snapshot import refuses a 64-byte --schema and a manifest naming a 64-byte table, and creates nothing")
    func snapshotImportNames() throws {
        let source = TestEnvironment.uniqueName("idlen_src")
        let folder = NSTemporaryDirectory() + TestEnvironment.uniqueName("idlen_snap")
        let target = Self.name("idlen_i", bytes: 64)
        defer {
            Self.drop(schemasStartingWith: source)
            Self.drop(schemasStartingWith: String(target.prefix(20)))
            try? FileManager.default.removeItem(atPath: folder)
        }
        let db = try NightlyFixture.database()
        try db.execute("create schema \(SQL.quoteIdentifier(source)); create table \(SQL.qualifiedName(source, "t")) (id int primary key, n integer not null); insert into \(SQL.qualifiedName(source, "t")) values (1, 2)")
        db.close()
        let export = try CLIProcess.run(["snapshot", "export", "--schema", source, "--out", folder])
        try #require(export.status == 0, "\(export.everything)")

        let long = try CLIProcess.run(["snapshot", "import", folder, "--schema", target])
        #expect(long.status == 2, "\(long.everything)")
        #expect(long.stderr.contains("the schema to import into \(target) is 64 bytes long"), "\(long.stderr)")
        #expect(try Self.schemas(startingWith: String(target.prefix(20))).isEmpty)

        // The manifest names a table of 64 bytes (its file name stays as exported).
        let manifestPath = folder + "/manifest.json"
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath))) as? [String: Any])
        var tables = try #require(manifest["tables"] as? [[String: Any]])
        let longTable = String(repeating: "t", count: 64)
        tables[0]["name"] = longTable
        manifest["tables"] = tables
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: manifestPath))
        let shortTarget = TestEnvironment.uniqueName("idlen_short")
        defer { Self.drop(schemasStartingWith: shortTarget) }
        let renamed = try CLIProcess.run(["snapshot", "import", folder, "--schema", shortTarget])
        #expect(renamed.status == 2, "\(renamed.everything)")
        #expect(renamed.stderr.contains("table \(longTable) is 64 bytes long"), "\(renamed.stderr)")
        #expect(try Self.schemas(startingWith: shortTarget).isEmpty)
    }
}
