import Foundation
import Postgres
@testable import Snapshot
import Store
import TestSupport
import Testing
import Zstd

/// Large tables are read in key ranges over several connections: the file must not depend on
/// how many, and every part must see the one snapshot of the export.
@Suite("snapshot export in parts", .tags(.integration))
struct PartsTests {
    /// 3.2 frames of rows: enough for three parts.
    static let rows = 3 * FramedRowWriter.rowsPerFrame + 12_345

    /// A table whose primary key starts with text under a collation that is not libc's C (so
    /// the parts' ranges take the `COLLATE "C"` path). Not analyzed: the planner estimates its
    /// rows from its size, which is enough to split it.
    static func createTable(_ scratch: Scratch, _ schema: String) throws {
        try scratch.createSchema(schema)
        try scratch.connection.execute("""
            CREATE TABLE \(SQL.qualifiedName(schema, "readings")) (
                sensor text COLLATE "ucs_basic" NOT NULL, seq bigint NOT NULL, v bigint NOT NULL, note text,
                PRIMARY KEY (sensor, seq));
            INSERT INTO \(SQL.qualifiedName(schema, "readings"))
            SELECT CASE g % 3 WHEN 0 THEN 'Zeta-' WHEN 1 THEN 'alpha-' ELSE 'Ärger-' END || (g % 97), g, 0,
                   CASE WHEN g % 5 = 0 THEN NULL ELSE E'tab\\there ' || g END
            FROM generate_series(1, \(rows)) g
            """)
    }

    static func export(_ scratch: Scratch, _ schema: String, to name: String, parallel: Int,
                       failingPart: Int? = nil) throws -> SnapshotManifest {
        var exporter = SnapshotExporter(connection: scratch.connection)
        exporter.failingPart = failingPart
        return try exporter.export(to: scratch.path(name), options: .init(schema: schema, parallel: parallel, toolVersion: "test"))
    }

    @Test("part boundaries are whole frames, spread by the estimate, one part for small tables")
    func partStarts() {
        let frame = FramedRowWriter.rowsPerFrame
        #expect(TableExport.partStarts(estimatedRows: 0, parallel: 2) == [0])
        #expect(TableExport.partStarts(estimatedRows: frame, parallel: 2) == [0])
        #expect(TableExport.partStarts(estimatedRows: frame + 1, parallel: 2) == [0, frame])
        #expect(TableExport.partStarts(estimatedRows: 1_000_000, parallel: 2) == [0, 8 * frame])
        #expect(TableExport.partStarts(estimatedRows: 1_000_000, parallel: 3) == [0, 5 * frame, 10 * frame])
        #expect(TableExport.partStarts(estimatedRows: 1_000_000, parallel: 1) == [0])
        #expect(TableExport.plannedRows(json: #"[{"Plan": {"Node Type": "Seq Scan", "Plan Rows": 1234}}]"#) == 1234)
        #expect(TableExport.plannedRows(json: "not json") == 0)
        #expect(TableExport.range(of: 0, [0, 5]) == 0..<5)
        #expect(TableExport.range(of: 1, [0, 5]) == 5..<Int.max)
    }

    @Test("key columns that already sort bytewise are ordered as they are, so the key's index gives the order without a sort")
    func bytewiseKeysNeedNoSort() throws {
        try Scratch.run { scratch in
            let source = scratch.schema("source")
            try scratch.createSchema(source)
            try scratch.connection.execute("""
                CREATE TABLE \(SQL.qualifiedName(source, "plain")) (a text, b text COLLATE "C", c text COLLATE "POSIX", n int, PRIMARY KEY (a, b, c, n));
                CREATE TABLE \(SQL.qualifiedName(source, "other")) (a text COLLATE "C.utf8" PRIMARY KEY);
                CREATE TABLE \(SQL.qualifiedName(source, "builtin")) (a text COLLATE "ucs_basic" PRIMARY KEY, b text COLLATE "pg_c_utf8")
                """)
            let cDatabase = try scratch.connection.query(
                "SELECT datlocprovider = 'c' AND datcollate IN ('C', 'POSIX') FROM pg_database WHERE datname = current_database()")[0, 0] == "t"
            let plain = try #require(try TableCatalog.shape(of: "plain", in: source, on: scratch.connection))
            #expect(plain.collatableColumns == (cDatabase ? [] : ["a"]))
            // A libc collation other than C or POSIX is not known to order by bytes (its order is the
            // C library's): the key is sorted with COLLATE "C".
            let other = try #require(try TableCatalog.shape(of: "other", in: source, on: scratch.connection))
            #expect(other.collatableColumns == ["a"])
            // The builtin provider (PostgreSQL 17+: ucs_basic, pg_c_utf8) orders by code point, which is
            // UTF-8 byte order: one catalog for the diff and snapshots says so (they used to disagree).
            let builtin = try #require(try TableCatalog.shape(of: "builtin", in: source, on: scratch.connection))
            #expect(builtin.collatableColumns == [] && builtin.byteOrderedColumns == ["a", "b"])
            if cDatabase {
                #expect(!plain.copyOutStatement.contains("COLLATE"))
                let select = plain.copyOutStatement.dropFirst("COPY (".count).dropLast(") TO STDOUT".count)
                try scratch.connection.execute("SET enable_seqscan = off")
                let plan = try scratch.connection.query("EXPLAIN \(select)").compactMap { $0[0] }.joined(separator: "\n")
                try scratch.connection.execute("RESET enable_seqscan")
                #expect(plan.contains("Index") && !plan.contains("Sort"), "\(plan)")
            }
        }
    }

    @Test("a table read in 1, 2 or 3 parts gives the same file, which round-trips")
    func partsGiveTheSameBytes() throws {
        try Scratch.run { scratch in
            let source = scratch.schema("source"), restored = scratch.schema("restored")
            try Self.createTable(scratch, source)
            let one = try Self.export(scratch, source, to: "one", parallel: 1)
            let two = try Self.export(scratch, source, to: "two", parallel: 2)
            let three = try Self.export(scratch, source, to: "three", parallel: 3)
            let twoAgain = try Self.export(scratch, source, to: "two-again", parallel: 2)
            let file = one.tables[0].file
            let bytes = try #require(FileManager.default.contents(atPath: (scratch.path("one") as NSString).appendingPathComponent(file)))
            for (name, manifest) in [("two", two), ("three", three), ("two-again", twoAgain)] {
                #expect(manifest.tables == one.tables, "\(name)")
                #expect(FileManager.default.contents(atPath: (scratch.path(name) as NSString).appendingPathComponent(file)) == bytes, "\(name)")
                // No part files are left in the snapshot.
                #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path(name)).sorted()
                        == [SnapshotManifest.fileName, file, SnapshotManifest.schemaFileName].sorted(), "\(name)")
            }
            #expect(one.tables[0].rows == Int64(Self.rows))

            // One frame per 65536 rows: the text is cut at row ends, in primary-key (bytewise) order.
            let text = try Zstd.decompress([UInt8](bytes))
            let lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
            #expect(lines.count == Self.rows)
            let keys = lines.map { line in
                let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
                return (Array(fields[0]), Int(String(decoding: fields[1], as: UTF8.self)) ?? -1)
            }
            #expect(zip(keys, keys.dropFirst()).allSatisfy { a, b in a.0.lexicographicallyPrecedes(b.0) || (a.0 == b.0 && a.1 < b.1) })

            try SnapshotImporter(connection: scratch.connection).importSnapshot(from: scratch.path("three"), options: .init(schema: restored))
            #expect(try scratch.differences("readings", source, restored) == 0)
        }
    }

    @Test("a one-column key splits too, and a table smaller than two frames is one part")
    func oneColumnKey() throws {
        try Scratch.run { scratch in
            let source = scratch.schema("source"), restored = scratch.schema("restored")
            try scratch.createSchema(source)
            try scratch.connection.execute("""
                CREATE TABLE \(SQL.qualifiedName(source, "big")) (id bigint PRIMARY KEY, body text);
                INSERT INTO \(SQL.qualifiedName(source, "big")) SELECT g * 7 % 300007, md5(g::text) FROM generate_series(1, 150000) g;
                CREATE TABLE \(SQL.qualifiedName(source, "small")) (id int PRIMARY KEY);
                INSERT INTO \(SQL.qualifiedName(source, "small")) SELECT generate_series(1, 1000)
                """)
            let one = try Self.export(scratch, source, to: "one", parallel: 1)
            let two = try Self.export(scratch, source, to: "two", parallel: 2)
            #expect(two.tables == one.tables)
            // Part 1 of "big" exists (and fails as asked); "small" has no part 1.
            #expect(throws: SnapshotError.self) {
                var exporter = SnapshotExporter(connection: scratch.connection)
                exporter.failingPart = 1
                try exporter.export(to: scratch.path("big-only"), options: .init(schema: source, tables: ["big"], parallel: 2, toolVersion: "test"))
            }
            var exporter = SnapshotExporter(connection: scratch.connection)
            exporter.failingPart = 1
            try exporter.export(to: scratch.path("small-only"), options: .init(schema: source, tables: ["small"], parallel: 2, toolVersion: "test"))
            try SnapshotImporter(connection: scratch.connection).importSnapshot(from: scratch.path("two"), options: .init(schema: restored))
            #expect(try scratch.differences("big", source, restored) == 0)
            #expect(try scratch.rowCount(restored, "big") == 150_000)
        }
    }

    @Test("every part reads the export's snapshot while the table changes")
    func partsShareOneSnapshot() throws {
        try Scratch.run { scratch in
            let source = scratch.schema("source")
            try Self.createTable(scratch, source)
            let table = SQL.qualifiedName(source, "readings")
            // Moves 1 from the first row (in part 0) to the last (in the last part) per
            // transaction: in any one snapshot the column sums to 0.
            let bounds = try scratch.connection.query("""
                SELECT (SELECT seq FROM \(table) ORDER BY sensor COLLATE "C", seq LIMIT 1),
                       (SELECT seq FROM \(table) ORDER BY sensor COLLATE "C" DESC, seq DESC LIMIT 1)
                """)
            let first = try #require(bounds[0, 0]), last = try #require(bounds[0, 1])
            let writer = ConcurrentWriter(configuration: try Scratch.configuration(), statement: """
                UPDATE \(table) SET v = v + CASE seq WHEN \(first) THEN -1 ELSE 1 END WHERE seq IN (\(first), \(last))
                """)
            writer.start()
            let manifest: SnapshotManifest
            do {
                manifest = try Self.export(scratch, source, to: "moving", parallel: 2)
            } catch {
                _ = try? writer.stop()
                throw error
            }
            let commits = try writer.stop()
            let bytes = try #require(FileManager.default.contents(atPath: (scratch.path("moving") as NSString).appendingPathComponent(manifest.tables[0].file)))
            let text = try Zstd.decompress([UInt8](bytes))
            var sum = 0, rows = 0
            for line in text.split(separator: UInt8(ascii: "\n")) {
                let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
                sum += Int(String(decoding: fields[2], as: UTF8.self)) ?? 1_000_000
                rows += 1
            }
            #expect(rows == Self.rows)
            #expect(sum == 0, "the parts saw different snapshots")
            #expect(commits > 0, "the table did not change during the export")
        }
    }

    @Test("a failing part fails the export, and no snapshot folder is left")
    func failingPart() throws {
        try Scratch.run { scratch in
            let source = scratch.schema("source")
            try Self.createTable(scratch, source)
            let error = #expect(throws: SnapshotError.self) {
                try Self.export(scratch, source, to: "broken", parallel: 3, failingPart: 2)
            }
            #expect(error?.description.contains("part 2 of table readings failed") == true, "\(String(describing: error))")
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.directory).isEmpty)
            // The connection is usable again (its transaction ended).
            #expect(!scratch.connection.isInTransaction)
            #expect(try Self.export(scratch, source, to: "fine", parallel: 2).tables[0].rows == Int64(Self.rows))
        }
    }
}
