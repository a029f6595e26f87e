import Foundation
import Lifestream
import Postgres
import Snapshot
import Store
import TestSupport
import Testing

@Suite("snapshot import modes", .tags(.integration))
struct ImportModeTests {
    /// A snapshot of subjects and todos (60 rows each) from a source schema.
    static func snapshot(_ scratch: Scratch) throws -> (source: String, folder: String) {
        let source = scratch.schema("source")
        try scratch.createSchema(source)
        for table in [LifestreamTables.subjects, LifestreamTables.todos] {
            try scratch.connection.execute(table.createStatement(schema: source, quote: SQL.quoteIdentifier))
            try HostileRows.fill(table, schema: source, rows: 60, on: scratch.connection)
        }
        try SnapshotExporter(connection: scratch.connection).export(
            to: scratch.path("snap"), options: .init(schema: source, toolVersion: "test"))
        return (source, scratch.path("snap"))
    }

    /// A schema holding one table with three rows that no snapshot has.
    static func occupiedSchema(_ scratch: Scratch, _ name: String) throws -> String {
        let schema = scratch.schema(name)
        try scratch.createSchema(schema)
        try scratch.connection.execute("""
            CREATE TABLE \(SQL.qualifiedName(schema, "old_stuff")) (id int PRIMARY KEY);
            INSERT INTO \(SQL.qualifiedName(schema, "old_stuff")) VALUES (1), (2), (3)
            """)
        return schema
    }

    @Test("a non-empty schema is refused without replace, and replaced whole with it")
    func replaceSchema() throws {
        try Scratch.run { scratch in
            let (source, folder) = try Self.snapshot(scratch)
            let target = try Self.occupiedSchema(scratch, "target")
            let importer = SnapshotImporter(connection: scratch.connection)
            let before = try scratch.fingerprint(target)

            let refused = #expect(throws: SnapshotError.self) {
                try importer.importSnapshot(from: folder, options: .init(schema: target))
            }
            #expect(refused?.code == .schemaNotEmpty)
            #expect(refused?.description.contains("table old_stuff") == true)
            #expect(try scratch.fingerprint(target) == before)

            let summary = try importer.importSnapshot(from: folder, options: .init(schema: target, mode: .swapSchema(replace: true)))
            #expect(summary.replacedExisting)
            #expect(try TableCatalog.tableNames(in: target, on: scratch.connection) == ["subjects", "todos"])
            #expect(try scratch.differences("todos", source, target) == 0)
            #expect(try scratch.schemas() == [source, target].sorted())
        }
    }

    @Test("an existing empty schema is filled without replace")
    func emptySchema() throws {
        try Scratch.run { scratch in
            let (source, folder) = try Self.snapshot(scratch)
            let target = scratch.schema("target")
            try scratch.createSchema(target)
            let summary = try SnapshotImporter(connection: scratch.connection).importSnapshot(from: folder, options: .init(schema: target))
            #expect(!summary.replacedExisting)
            #expect(try scratch.differences("subjects", source, target) == 0)
        }
    }

    @Test("other sessions read the old tables until the swap commits")
    func swapIsAtomic() throws {
        try Scratch.run { scratch in
            let (source, folder) = try Self.snapshot(scratch)
            let target = try Self.occupiedSchema(scratch, "target")
            let observer = try Scratch.connect()
            defer { observer.close() }
            var seenDuringImport: [[String?]] = []
            var importer = SnapshotImporter(connection: scratch.connection)
            importer.onTableImported = { _ in
                // Runs inside the import's transaction, after a table's rows are in.
                seenDuringImport.append(contentsOf: (try? observer.query("""
                    SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1
                    """, [.text(target)]).rows) ?? [["query failed"]])
            }
            try importer.importSnapshot(from: folder, options: .init(schema: target, mode: .swapSchema(replace: true)))
            #expect(seenDuringImport == [["old_stuff"], ["old_stuff"]])
            #expect(try observer.query("SELECT count(*) FROM \(SQL.qualifiedName(target, "todos"))")[0, 0] == "60")
            #expect(try scratch.differences("todos", source, target) == 0)
        }
    }

    @Test("replacing a schema that a view elsewhere depends on is refused, changing nothing")
    func dependentsBlockReplace() throws {
        try Scratch.run { scratch in
            let (_, folder) = try Self.snapshot(scratch)
            let target = try Self.occupiedSchema(scratch, "target")
            let elsewhere = scratch.schema("elsewhere")
            try scratch.createSchema(elsewhere)
            try scratch.connection.execute("CREATE VIEW \(SQL.qualifiedName(elsewhere, "v")) AS SELECT id FROM \(SQL.qualifiedName(target, "old_stuff"))")
            let before = try scratch.fingerprint(target)
            let error = #expect(throws: SnapshotError.self) {
                try SnapshotImporter(connection: scratch.connection).importSnapshot(from: folder, options: .init(schema: target, mode: .swapSchema(replace: true)))
            }
            #expect(error?.code == .hasDependents)
            #expect(error?.description.contains("view \(elsewhere).v") == true)
            #expect(try scratch.fingerprint(target) == before)
            #expect(try scratch.connection.query("SELECT count(*) FROM \(SQL.qualifiedName(elsewhere, "v"))")[0, 0] == "3")
        }
    }

    @Test("a subset of tables can be imported, and asking for a table the snapshot lacks is refused")
    func subset() throws {
        try Scratch.run { scratch in
            let (source, folder) = try Self.snapshot(scratch)
            let target = scratch.schema("target")
            let importer = SnapshotImporter(connection: scratch.connection)
            try importer.importSnapshot(from: folder, options: .init(schema: target, tables: ["todos"]))
            #expect(try TableCatalog.tableNames(in: target, on: scratch.connection) == ["todos"])
            #expect(try scratch.differences("todos", source, target) == 0)

            let other = scratch.schema("other")
            let error = #expect(throws: SnapshotError.self) {
                try importer.importSnapshot(from: folder, options: .init(schema: other, tables: ["todos", "links"]))
            }
            #expect(error?.code == .tableNotFound)
            #expect(error?.description.contains("links") == true)
            #expect(try !scratch.schemas().contains(other))
        }
    }
}
