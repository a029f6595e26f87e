import Foundation
import Lifestream
import Postgres
import Snapshot
import Store
import TestSupport
import Testing

/// One way a snapshot can be broken, applied to a copy of a good one.
struct Damage: Sendable, CustomTestStringConvertible {
    let name: String
    /// The codes that correctly describe it (a flipped byte may surface as zstd damage or as a
    /// digest mismatch, depending on where it lands).
    let codes: Set<SnapshotError.Code>
    /// Whether `snapshot verify` (no database) can see it; a type name that is not a type in the
    /// database only shows on import.
    let verifyDetects: Bool
    let apply: @Sendable (_ folder: String, _ victim: SnapshotManifest.Table) throws -> Void

    var testDescription: String { name }

    static let all: [Damage] = [
        Damage(name: "truncated table file", codes: [.sizeMismatch], verifyDetects: true) { folder, victim in
            try truncate(file(folder, victim), keeping: 0.5)
        },
        Damage(name: "truncated table file with the manifest's size adjusted", codes: [.damagedFile], verifyDetects: true) { folder, victim in
            try truncate(file(folder, victim), keeping: 0.6)
            let size = try FileManager.default.attributesOfItem(atPath: file(folder, victim))[.size] as! NSNumber
            try editManifest(folder) { $0.tables[index(of: victim, in: $0)].compressedBytes = size.int64Value }
        },
        Damage(name: "one flipped byte", codes: [.damagedFile, .digestMismatch], verifyDetects: true) { folder, victim in
            var bytes = try Data(contentsOf: URL(fileURLWithPath: file(folder, victim)))
            bytes[bytes.count / 2] ^= 0x10
            try bytes.write(to: URL(fileURLWithPath: file(folder, victim)))
        },
        Damage(name: "tampered uncompressed digest", codes: [.digestMismatch], verifyDetects: true) { folder, victim in
            try editManifest(folder) { $0.tables[index(of: victim, in: $0)].uncompressedSHA256 = String(repeating: "ab", count: 32) }
        },
        Damage(name: "tampered compressed digest", codes: [.digestMismatch], verifyDetects: true) { folder, victim in
            try editManifest(folder) { $0.tables[index(of: victim, in: $0)].compressedSHA256 = String(repeating: "0", count: 64) }
        },
        Damage(name: "wrong row count in the manifest", codes: [.rowCountMismatch], verifyDetects: true) { folder, victim in
            try editManifest(folder) { $0.tables[index(of: victim, in: $0)].rows += 1 }
        },
        Damage(name: "missing table file", codes: [.missingFile], verifyDetects: true) { folder, victim in
            try FileManager.default.removeItem(atPath: file(folder, victim))
        },
        Damage(name: "extra column in the manifest", codes: [.columnMismatch], verifyDetects: true) { folder, victim in
            try editManifest(folder) { $0.tables[index(of: victim, in: $0)].columns.append(.init(name: "extra", type: "text", nullable: true)) }
        },
        Damage(name: "a column missing from the manifest", codes: [.columnMismatch], verifyDetects: true) { folder, victim in
            try editManifest(folder) { $0.tables[index(of: victim, in: $0)].columns.removeLast() }
        },
        Damage(name: "a column's type changed to one its values do not parse as", codes: [.columnMismatch], verifyDetects: false) { folder, victim in
            try editManifest(folder) { manifest in
                let table = index(of: victim, in: manifest)
                let column = manifest.tables[table].columns.firstIndex { $0.type == "text" && !manifest.tables[table].primaryKey.contains($0.name) }!
                manifest.tables[table].columns[column].type = "integer"
            }
        },
        Damage(name: "a type that smuggles SQL", codes: [.invalidManifest], verifyDetects: false) { folder, victim in
            try editManifest(folder) { $0.tables[index(of: victim, in: $0)].columns[0].type = "text DEFAULT pg_sleep(1)" }
        },
        Damage(name: "a file name outside the folder", codes: [.invalidManifest], verifyDetects: true) { folder, victim in
            try editManifest(folder) { $0.tables[index(of: victim, in: $0)].file = "../\(victim.file)" }
        },
        Damage(name: "a table file the manifest does not list", codes: [.unlistedFile], verifyDetects: true) { folder, victim in
            try FileManager.default.copyItem(atPath: file(folder, victim), toPath: (folder as NSString).appendingPathComponent("stray.copy.zst"))
        },
        Damage(name: "edited schema.sql", codes: [.digestMismatch], verifyDetects: true) { folder, _ in
            let path = (folder as NSString).appendingPathComponent("schema.sql")
            try (String(contentsOfFile: path, encoding: .utf8) + "DROP TABLE x;\n").write(toFile: path, atomically: false, encoding: .utf8)
        },
        Damage(name: "manifest of a future format", codes: [.unsupportedFormat], verifyDetects: true) { folder, _ in
            let path = (folder as NSString).appendingPathComponent("manifest.json")
            let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 2")
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        },
        Damage(name: "manifest that is not JSON", codes: [.notASnapshot], verifyDetects: true) { folder, _ in
            try Data("{\"format_version\": 1, \"tables\": [".utf8).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("manifest.json")))
        },
    ]

    static func file(_ folder: String, _ table: SnapshotManifest.Table) -> String {
        (folder as NSString).appendingPathComponent(table.file)
    }

    static func index(of table: SnapshotManifest.Table, in manifest: SnapshotManifest) -> Int {
        manifest.tables.firstIndex { $0.name == table.name }!
    }

    static func truncate(_ path: String, keeping fraction: Double) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: URL(fileURLWithPath: path))
    }

    static func editManifest(_ folder: String, _ edit: (inout SnapshotManifest) -> Void) throws {
        let path = (folder as NSString).appendingPathComponent("manifest.json")
        var manifest = try JSONDecoder().decode(SnapshotManifest.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        edit(&manifest)
        try manifest.encoded().write(to: URL(fileURLWithPath: path))
    }
}

@Suite("damaged snapshots", .tags(.integration))
struct DamageTests {
    @Test("every kind of damage is refused by import and verify, and the database is left exactly as it was",
          arguments: Damage.all)
    func damageIsRefused(_ damage: Damage) throws {
        try Scratch.run { scratch in
            let source = scratch.schema("source"), target = scratch.schema("target"), fresh = scratch.schema("fresh")
            try scratch.createSchema(source)
            for table in [LifestreamTables.subjects, LifestreamTables.todos, LifestreamTables.temperatureReadings] {
                try scratch.connection.execute(table.createStatement(schema: source, quote: SQL.quoteIdentifier))
                try HostileRows.fill(table, schema: source, rows: 3_000, on: scratch.connection)
            }
            let manifest = try SnapshotExporter(connection: scratch.connection).export(
                to: scratch.path("good"), options: .init(schema: source, toolVersion: "test"))
            // The last table in manifest order: the others are already loaded when it fails.
            let victim = try #require(manifest.tables.last)
            #expect(victim.name == "todos")
            #expect(victim.uncompressedBytes > 3 * PostgresConnection.copyOutChunkSize, "big enough that COPY has rows before the damage")

            // A live schema with other content that --replace would throw away.
            try scratch.createSchema(target)
            try scratch.connection.execute(LifestreamTables.subjects.createStatement(schema: target, quote: SQL.quoteIdentifier))
            try HostileRows.fill(LifestreamTables.subjects, schema: target, rows: 50, on: scratch.connection)
            let before = try scratch.fingerprint(target)
            let schemasBefore = try scratch.schemas()

            let damaged = scratch.path("damaged")
            try FileManager.default.copyItem(atPath: scratch.path("good"), toPath: damaged)
            try damage.apply(damaged, victim)

            let importer = SnapshotImporter(connection: scratch.connection)
            for options in [SnapshotImporter.Options(schema: target, mode: .swapSchema(replace: true)),
                            SnapshotImporter.Options(schema: fresh),
                            SnapshotImporter.Options(schema: target, mode: .intoExisting(replace: true))] {
                let error = #expect(throws: SnapshotError.self, "\(options.mode)") {
                    try importer.importSnapshot(from: damaged, options: options)
                }
                #expect(error.map { damage.codes.contains($0.code) } == true, "\(options.mode): \(String(describing: error))")
                #expect(error?.isDamage == true)
                #expect(error?.description.contains(damaged) == true)
                #expect(!scratch.connection.isInTransaction)
                #expect(try scratch.fingerprint(target) == before)
                #expect(try scratch.schemas() == schemasBefore)
            }

            if damage.verifyDetects {
                do {
                    let report = try SnapshotVerifier.verify(snapshot: damaged)
                    #expect(!report.isValid)
                    #expect(report.problems.contains { damage.codes.contains($0.code) }, "\(report.problems)")
                } catch let error as SnapshotError {
                    #expect(damage.codes.contains(error.code), "\(error)")
                }
            }
            #expect(try SnapshotVerifier.verify(snapshot: scratch.path("good")).isValid)
        }
    }
}
