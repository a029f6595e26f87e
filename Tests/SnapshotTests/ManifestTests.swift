import Foundation
import Lifestream
import Postgres
import Snapshot
import Store
import TestSupport
import Testing

@Suite("snapshot manifests", .tags(.integration))
struct ManifestTests {
    /// A schema with two small lifestream tables.
    static func smallSchema(_ scratch: Scratch, _ name: String = "source") throws -> String {
        let schema = scratch.schema(name)
        try scratch.createSchema(schema)
        for table in [LifestreamTables.subjects, LifestreamTables.temperatureLatest] {
            try scratch.connection.execute(table.createStatement(schema: schema, quote: SQL.quoteIdentifier))
            try HostileRows.fill(table, schema: schema, rows: 40, on: scratch.connection)
        }
        return schema
    }

    static func export(_ scratch: Scratch, _ schema: String, to name: String, tables: [String]? = nil,
                       checkpoint: SnapshotManifest.Checkpoint? = nil) throws -> SnapshotManifest {
        try SnapshotExporter(connection: scratch.connection).export(
            to: scratch.path(name), options: .init(schema: schema, tables: tables, checkpoint: checkpoint, toolVersion: "9.9.9"))
    }

    @Test("the manifest names the host and database but never the password")
    func noPasswordInManifest() throws {
        let url = try TestEnvironment.databaseURL()
        let password = try #require(URLComponents(string: url)?.password, "the test server's URL should carry a password")
        try Scratch.run { scratch in
            let schema = try Self.smallSchema(scratch)
            let manifest = try Self.export(scratch, schema, to: "s")
            let text = try String(contentsOfFile: (scratch.path("s") as NSString).appendingPathComponent("manifest.json"), encoding: .utf8)
            let script = try String(contentsOfFile: (scratch.path("s") as NSString).appendingPathComponent("schema.sql"), encoding: .utf8)
            #expect(!text.contains(password))
            #expect(!script.contains(password))
            #expect(!text.contains("postgres://") && !text.contains("postgresql://"))
            #expect(manifest.source.host == URLComponents(string: url)?.host)
            #expect(manifest.source.port == URLComponents(string: url)?.port)
            let database = try scratch.connection.query("SELECT current_database()")[0, 0]
            #expect(manifest.source.database == database)
            #expect(manifest.source.schema == schema)
            #expect(manifest.toolVersion == "9.9.9")
        }
    }

    @Test("the manifest is snake_case JSON with sizes, digests and the compression settings")
    func manifestShape() throws {
        try Scratch.run { scratch in
            let schema = try Self.smallSchema(scratch)
            let manifest = try Self.export(scratch, schema, to: "s")
            let data = try Data(contentsOf: URL(fileURLWithPath: (scratch.path("s") as NSString).appendingPathComponent("manifest.json")))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(Set(object.keys) == ["format_version", "tool_version", "created_at", "source", "compression", "schema_sql_sha256", "tables"])
            let table = try #require((object["tables"] as? [[String: Any]])?.first)
            #expect(Set(table.keys) == ["name", "file", "columns", "primary_key", "rows", "uncompressed_bytes", "compressed_bytes",
                                        "uncompressed_sha256", "compressed_sha256"])
            #expect(manifest.compression.algorithm == "zstd" && manifest.compression.level == 3 && manifest.compression.workers == 1)
            #expect(manifest.createdAt.hasSuffix("Z") && manifest.createdAt.count == 20)
            for entry in manifest.tables {
                let path = (scratch.path("s") as NSString).appendingPathComponent(entry.file)
                let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber
                #expect(size?.int64Value == entry.compressedBytes)
                #expect(entry.uncompressedBytes > entry.compressedBytes)
                #expect(entry.rows == 40)
            }
            #expect(try SnapshotManifest.read(snapshot: scratch.path("s")) == manifest)
        }
    }

    @Test("a run manifest's end offsets become the snapshot's checkpoint")
    func checkpointFromRunManifest() throws {
        try Scratch.run { scratch in
            let schema = try Self.smallSchema(scratch)
            let runManifest = scratch.path("run-42.json")
            try Data("""
                {"run_id": "run-42", "topic": "events.raw", "tool_version": "0.1.0",
                 "ranges": [{"partition": 2, "start": 10, "end": 250},
                            {"partition": "0", "start": "0", "end": "1000"},
                            {"partition": 1, "start": 5, "end": 5, "note": "empty range"}],
                 "counts": {"read": 1495}}
                """.utf8).write(to: URL(fileURLWithPath: runManifest))
            let checkpoint = try SnapshotManifest.Checkpoint.fromRunManifest(path: runManifest)
            #expect(checkpoint.source == "run-42.json")
            #expect(checkpoint.runID == "run-42")
            #expect(checkpoint.topic == "events.raw")
            #expect(checkpoint.offsets == [.init(partition: 0, end: 1000), .init(partition: 1, end: 5), .init(partition: 2, end: 250)])

            _ = try Self.export(scratch, schema, to: "s", checkpoint: checkpoint)
            let read = try SnapshotManifest.read(snapshot: scratch.path("s"))
            #expect(read.checkpoint == checkpoint)
            let listed = try SnapshotListing.list(directory: scratch.directory)
            #expect(listed.map(\.name) == ["s"])
            #expect(listed.first?.manifest?.checkpoint?.offsets.map(\.end) == [1000, 5, 250])
        }
    }

    @Test("a run manifest without usable ranges is refused, naming the file", arguments: [
        "{\"run_id\": \"x\"}",
        "{\"ranges\": [{\"partition\": 0, \"start\": 0}]}",
        "{\"ranges\": [{\"partition\": 0, \"end\": 5}, {\"partition\": 0, \"end\": 6}]}",
        "{\"ranges\": [{\"partition\": true, \"end\": 5}]}",
        "{\"ranges\": [{\"partition\": 0, \"end\": -1}]}",
        "[1, 2, 3]",
        "not json",
    ])
    func badRunManifest(_ text: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString).json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: SnapshotError.self) { try SnapshotManifest.Checkpoint.fromRunManifest(path: path) }
        #expect(error?.code == .invalidCheckpoint)
        #expect(error?.description.contains(path) == true)
    }

    @Test("export refuses an existing folder, unknown tables and bad zstd settings, and leaves nothing behind")
    func exportRefusals() throws {
        try Scratch.run { scratch in
            let schema = try Self.smallSchema(scratch)
            try FileManager.default.createDirectory(atPath: scratch.path("taken"), withIntermediateDirectories: false)
            let exists = #expect(throws: SnapshotError.self) { try Self.export(scratch, schema, to: "taken") }
            #expect(exists?.code == .outputExists)
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path("taken")).isEmpty)

            let unknown = #expect(throws: SnapshotError.self) { try Self.export(scratch, schema, to: "new", tables: ["subjects", "nope"]) }
            #expect(unknown?.code == .tableNotFound)
            #expect(unknown?.description.contains("nope") == true)
            let empty = scratch.schema("empty")
            try scratch.createSchema(empty)
            let none = #expect(throws: SnapshotError.self) { try Self.export(scratch, empty, to: "new") }
            #expect(none?.code == .noTables)
            let level = #expect(throws: SnapshotError.self) {
                try SnapshotExporter(connection: scratch.connection).export(
                    to: scratch.path("new"), options: .init(schema: schema, level: 99, toolVersion: "test"))
            }
            #expect(level?.code == .invalidOption)
            #expect(level?.description.hasPrefix("Cannot export to \(scratch.path("new")): zstd level 99 is out of range") == true)
            // Neither the folder nor a hidden partial one is left.
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.directory) == ["taken"])
            #expect(!scratch.connection.isInTransaction)
        }
    }

    @Test("listing shows snapshots oldest first and a broken one with its problem, skipping unfinished exports and run manifests")
    func listing() throws {
        try Scratch.run { scratch in
            let schema = try Self.smallSchema(scratch)
            _ = try Self.export(scratch, schema, to: "b-first")
            _ = try Self.export(scratch, schema, to: "a-second", tables: ["subjects"])
            // Make the order by time differ from the order by name.
            try Damage.editManifest(scratch.path("b-first")) { $0.createdAt = "2020-01-01T00:00:00Z" }
            try FileManager.default.createDirectory(atPath: scratch.path("broken"), withIntermediateDirectories: false)
            try FileManager.default.createDirectory(atPath: scratch.path(".c.partial-1"), withIntermediateDirectories: false)
            // Run manifests live beside the snapshots (snapshots/manifests/) and are not one.
            try FileManager.default.createDirectory(atPath: scratch.path("manifests"), withIntermediateDirectories: false)
            let entries = try SnapshotListing.list(directory: scratch.directory)
            #expect(entries.map(\.name) == ["broken", "b-first", "a-second"])
            #expect(entries[0].problem?.code == .notASnapshot)
            #expect(entries[1].manifest?.tables.count == 2)
            #expect(entries[2].manifest?.tables.map(\.name) == ["subjects"])
            #expect(entries[2].manifest?.totalRows == 40)
        }
    }
}
