import Foundation
import Lifestream
import Postgres
import Snapshot
import Store
import TestSupport
import Testing

@Suite("snapshot round trips", .tags(.integration))
struct RoundTripTests {
    static func export(_ scratch: Scratch, schema: String, to name: String, tables: [String]? = nil,
                       checkpoint: SnapshotManifest.Checkpoint? = nil) throws -> SnapshotManifest {
        try SnapshotExporter(connection: scratch.connection).export(
            to: scratch.path(name), options: .init(schema: schema, tables: tables, checkpoint: checkpoint, toolVersion: "test"))
    }

    static func fileBytes(_ scratch: Scratch, _ snapshot: String, _ file: String) -> Data? {
        FileManager.default.contents(atPath: (scratch.path(snapshot) as NSString).appendingPathComponent(file))
    }

    @Test("all nine tables with hostile values come back equal, and re-exporting gives the same bytes")
    func nineTablesRoundTrip() throws {
        try Scratch.run { scratch in
            let source = scratch.schema("source"), restored = scratch.schema("restored")
            try scratch.createSchema(source)
            try HostileRows.createLifestream(in: source, rows: 1_200, on: scratch.connection)

            let manifest = try Self.export(scratch, schema: source, to: "first")
            #expect(manifest.tables.map(\.name) == LifestreamTables.all.map(\.name).sorted())
            #expect(manifest.tables.allSatisfy { $0.rows == 1_200 })
            #expect(manifest.table(named: "temperature_readings")?.primaryKey == ["subject_id", "occurred_at"])
            #expect(manifest.table(named: "link_metadata")?.columns.first { $0.name == "tags" }?.type == "jsonb")

            let summary = try SnapshotImporter(connection: scratch.connection).importSnapshot(
                from: scratch.path("first"), options: .init(schema: restored))
            #expect(summary.tables.count == 9)
            #expect(summary.replacedExisting == false)
            for table in LifestreamTables.all {
                #expect(try scratch.rowCount(restored, table.name) == 1_200, "\(table.name)")
                #expect(try scratch.differences(table.name, source, restored) == 0, "\(table.name) differs after the round trip")
            }
            // The staging schema was renamed, not left behind.
            #expect(try scratch.schemas() == [restored, source].sorted())

            // The restored tables export to exactly the same table files.
            let again = try Self.export(scratch, schema: restored, to: "second")
            for table in manifest.tables {
                let other = try #require(again.table(named: table.name))
                #expect(other.compressedSHA256 == table.compressedSHA256, "\(table.name)")
                #expect(other.uncompressedSHA256 == table.uncompressedSHA256, "\(table.name)")
                #expect(Self.fileBytes(scratch, "first", table.file) == Self.fileBytes(scratch, "second", table.file))
            }
        }
    }

    @Test("exporting unchanged tables twice gives byte-identical table files and schema.sql")
    func exportIsDeterministic() throws {
        try Scratch.run { scratch in
            let source = scratch.schema("source")
            try scratch.createSchema(source)
            for table in [LifestreamTables.temperatureReadings, LifestreamTables.linkMetadata] {
                try scratch.connection.execute(table.createStatement(schema: source, quote: SQL.quoteIdentifier))
                try HostileRows.fill(table, schema: source, rows: 5_000, on: scratch.connection)
            }
            // Physical order that differs from key order: the export must sort, not scan.
            try scratch.connection.execute("""
                UPDATE \(SQL.qualifiedName(source, "temperature_readings")) SET celsius = celsius WHERE subject_id LIKE '1%';
                UPDATE \(SQL.qualifiedName(source, "link_metadata")) SET model = model WHERE subject_id LIKE '2%'
                """)
            let first = try Self.export(scratch, schema: source, to: "a")
            try scratch.connection.execute("VACUUM FULL \(SQL.qualifiedName(source, "temperature_readings"))")
            let second = try Self.export(scratch, schema: source, to: "b")
            #expect(first.tables == second.tables)
            for file in first.tables.map(\.file) + [SnapshotManifest.schemaFileName] {
                let a = try #require(Self.fileBytes(scratch, "a", file))
                #expect(a == Self.fileBytes(scratch, "b", file), "\(file) differs")
            }
        }
    }

    @Test("a table without a primary key is ordered by its rows' text and still exports identically")
    func tableWithoutPrimaryKey() throws {
        try Scratch.run { scratch in
            let source = scratch.schema("source"), restored = scratch.schema("restored")
            try scratch.createSchema(source)
            let table = SQL.qualifiedName(source, "heap")
            try scratch.connection.execute("""
                CREATE TABLE \(table) (name text, amount numeric(12,3), at timestamp, span interval, data bytea, tags text[]);
                INSERT INTO \(table) SELECT 'n' || (g % 50), g / 7.0, '2024-01-01'::timestamp + g * interval '1 minute',
                    g * interval '90 seconds', decode(md5(g::text), 'hex'), ARRAY['a' || g, NULL, 'tab' || chr(9)]
                FROM generate_series(1, 3000) g;
                INSERT INTO \(table) SELECT * FROM \(table) WHERE name = 'n7'
                """)
            let first = try Self.export(scratch, schema: source, to: "a")
            #expect(first.tables[0].primaryKey.isEmpty)
            #expect(first.tables[0].columns.map(\.type) == ["text", "numeric(12,3)", "timestamp without time zone", "interval", "bytea", "text[]"])
            // Move rows around physically; the file must not change.
            try scratch.connection.execute("UPDATE \(table) SET amount = amount WHERE name < 'n3'")
            try scratch.connection.execute("VACUUM FULL \(table)")
            _ = try Self.export(scratch, schema: source, to: "b")
            #expect(Self.fileBytes(scratch, "a", "heap.copy.zst") == Self.fileBytes(scratch, "b", "heap.copy.zst"))
            try SnapshotImporter(connection: scratch.connection).importSnapshot(from: scratch.path("a"), options: .init(schema: restored))
            #expect(try scratch.differences("heap", source, restored) == 0)
            #expect(try scratch.rowCount(restored, "heap") == 3060)
        }
    }

    @Test("legacy tables exported by name are restored into an existing schema without touching its other tables")
    func legacyTablesIntoExistingSchema() throws {
        try Scratch.run { scratch in
            let live = scratch.schema("live")
            try scratch.createSchema(live)
            for table in [LifestreamTables.legacyDedupe, LifestreamTables.legacyOffsets, LifestreamTables.subjects] {
                try scratch.connection.execute(table.createStatement(schema: live, quote: SQL.quoteIdentifier))
                try HostileRows.fill(table, schema: live, rows: 800, on: scratch.connection)
            }
            let before = try scratch.fingerprint(live)
            let manifest = try Self.export(scratch, schema: live, to: "legacy", tables: ["event_ingest_dedupe", "kafka_offsets"])
            #expect(manifest.tables.map(\.name) == ["event_ingest_dedupe", "kafka_offsets"])
            #expect(manifest.table(named: "kafka_offsets")?.primaryKey == ["consumer_group", "topic", "partition"])

            // What the cleanup command does: drop them, and later restore them.
            try scratch.connection.execute("DROP TABLE \(SQL.qualifiedName(live, "event_ingest_dedupe")), \(SQL.qualifiedName(live, "kafka_offsets"))")
            let importer = SnapshotImporter(connection: scratch.connection)
            let summary = try importer.importSnapshot(from: scratch.path("legacy"), options: .init(schema: live, mode: .intoExisting(replace: false)))
            #expect(summary.tables.map(\.name) == ["event_ingest_dedupe", "kafka_offsets"])
            #expect(try scratch.fingerprint(live) == before)
            #expect(try scratch.schemas() == [live])
            let key = try scratch.connection.query("""
                SELECT pg_get_constraintdef(oid) FROM pg_constraint
                WHERE conrelid = $1::regclass AND contype = 'p'
                """, [.text(SQL.qualifiedName(live, "kafka_offsets"))])
            #expect(key[0, 0] == "PRIMARY KEY (consumer_group, topic, partition)")

            // Restoring again would collide with the tables now present.
            let error = #expect(throws: SnapshotError.self) {
                try importer.importSnapshot(from: scratch.path("legacy"), options: .init(schema: live, mode: .intoExisting(replace: false)))
            }
            #expect(error?.code == .tableExists)
            #expect(error?.description.contains("event_ingest_dedupe, kafka_offsets") == true)
            // A subset can be restored on its own, replacing only that table.
            try scratch.connection.execute("DELETE FROM \(SQL.qualifiedName(live, "kafka_offsets"))")
            try importer.importSnapshot(from: scratch.path("legacy"), options: .init(schema: live, tables: ["kafka_offsets"], mode: .intoExisting(replace: true)))
            #expect(try scratch.fingerprint(live) == before)
        }
    }
}
