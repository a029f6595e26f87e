import Foundation
import Postgres
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Snapshots an operator can trust: an export killed half way is seen and eventually removed,
/// and a manifest cannot smuggle SQL into the DDL an import builds from it.
@Suite("snapshot leftovers and manifest types", .serialized, .tags(.integration))
struct SnapshotHardeningTests {
    /// Sets a folder's and its files' modification times to `date`.
    static func age(_ path: String, to date: Date) throws {
        var paths = [path]
        paths += (try FileManager.default.contentsOfDirectory(atPath: path)).map { path + "/" + $0 }
        for item in paths { try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: item) }
    }

    @Test("an export killed mid-snapshot leaves a partial folder that snapshot list shows and the nightly removes once a day old")
    func killedExportLeftover() throws {
        let fixture = try NightlyFixture("snap_partial", events: 300)
        defer { fixture.dropSchemas() }
        try fixture.buildLive()
        let source = fixture.live
        let snapshots = fixture.snapshots
        try FileManager.default.createDirectory(atPath: snapshots, withIntermediateDirectories: true)

        // The export blocks on a table another session holds exclusively; it is killed there.
        let holder = try NightlyFixture.database()
        defer { holder.close() }
        try holder.execute("begin; lock table \(SQL.qualifiedName(source, "subjects")) in access exclusive mode")
        let export = Process()
        export.executableURL = URL(fileURLWithPath: try CLIProcess.executable())
        export.arguments = ["snapshot", "export", "--schema", source, "--out", snapshots + "/killed", "--parallel", "1"]
        export.standardOutput = FileHandle.nullDevice
        export.standardError = FileHandle.nullDevice
        try export.run()
        var partial: String?
        for _ in 0..<600 where partial == nil {
            partial = try FileManager.default.contentsOfDirectory(atPath: snapshots).first { $0.hasPrefix(".killed.partial-") }
            if partial == nil { usleep(50_000) }
        }
        let name = try #require(partial, "the export never created its partial folder")
        usleep(300_000)
        #expect(export.isRunning, "the export should be waiting for the lock")
        kill(export.processIdentifier, SIGKILL)
        export.waitUntilExit()
        try holder.execute("rollback")
        let leftover = snapshots + "/" + name
        #expect(FileManager.default.fileExists(atPath: leftover))
        #expect(!FileManager.default.fileExists(atPath: snapshots + "/killed"))

        // snapshot list shows it, in text and JSON.
        let list = try CLIProcess.run(["snapshot", "list", "--dir", snapshots])
        #expect(list.status == 0, "\(list.everything)")
        #expect(list.stdout.contains(name) && list.stdout.contains("PARTIAL"), "\(list.stdout)")
        let json = try CLIProcess.run(["snapshot", "list", "--dir", snapshots, "--json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(entries.contains { $0["name"] as? String == name && $0["partial"] as? Bool == true }, "\(json.stdout)")

        // A fresh leftover (it might be a running export) stays; one untouched for two days goes,
        // even without a retention policy.
        try FileManager.default.createDirectory(atPath: snapshots + "/.fresh.partial-42", withIntermediateDirectories: true)
        let night = try fixture.nightly()
        #expect(night.status == 0, "\(night.everything)")
        #expect(FileManager.default.fileExists(atPath: leftover), "a leftover younger than a day was removed")
        try Self.age(leftover, to: Date().addingTimeInterval(-2 * 86_400))
        let dry = try fixture.nightly(["--dry-run"])
        #expect(dry.stdout.contains("partial_snapshot \(name)"), "\(dry.stdout)")
        let later = try fixture.nightly()
        #expect(later.status == 0, "\(later.everything)")
        #expect(!FileManager.default.fileExists(atPath: leftover), "the day-old leftover of the killed export is still there")
        #expect(FileManager.default.fileExists(atPath: snapshots + "/.fresh.partial-42"))
        #expect((try fixture.summary()["pruned"] as? [String])?.contains(leftover) == true)
    }

    @Test("a manifest column type that would comment out NOT NULL (integer --) or carry SQL is refused, and import creates nothing")
    func columnTypeInjection() throws {
        let source = TestEnvironment.uniqueName("snap_types")
        let folder = NSTemporaryDirectory() + TestEnvironment.uniqueName("snap_types")
        var targets: [String] = []
        defer {
            if let db = try? NightlyFixture.database() {
                for schema in [source] + targets { try? db.execute("drop schema if exists \(SQL.quoteIdentifier(schema)) cascade") }
                db.close()
            }
            try? FileManager.default.removeItem(atPath: folder)
        }
        let db = try NightlyFixture.database()
        defer { db.close() }
        try db.execute("""
            create schema \(SQL.quoteIdentifier(source));
            create table \(SQL.qualifiedName(source, "t")) (id int primary key, at timestamp(3) with time zone, tags character varying(20)[], n integer not null);
            insert into \(SQL.qualifiedName(source, "t")) values (1, now(), '{a,b}', 2)
            """)
        let export = try CLIProcess.run(["snapshot", "export", "--schema", source, "--out", folder])
        try #require(export.status == 0, "\(export.everything)")
        let manifestPath = folder + "/manifest.json"
        let original = try Data(contentsOf: URL(fileURLWithPath: manifestPath))

        // The exported manifest itself imports (format_type's own spellings are accepted).
        let clean = TestEnvironment.uniqueName("snap_types_ok")
        targets.append(clean)
        let imported = try CLIProcess.run(["snapshot", "import", folder, "--schema", clean])
        #expect(imported.status == 0, "\(imported.everything)")

        for hostile in ["integer --", "integer /* x */", "integer); drop table x; --", "integer not null", "integer\n", "integer '"] {
            var manifest = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
            var tables = try #require(manifest["tables"] as? [[String: Any]])
            var columns = try #require(tables[0]["columns"] as? [[String: Any]])
            let last = columns.count - 1
            #expect(columns[last]["name"] as? String == "n")
            columns[last]["type"] = hostile
            tables[0]["columns"] = columns
            manifest["tables"] = tables
            try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: manifestPath))
            let target = TestEnvironment.uniqueName("snap_types_bad")
            targets.append(target)
            let outcome = try CLIProcess.run(["snapshot", "import", folder, "--schema", target])
            #expect(outcome.status == 2, "\(hostile): \(outcome.everything)")
            #expect(outcome.stderr.contains("column n of table t has the type"), "\(hostile): \(outcome.stderr)")
            #expect(try db.query("select 1 from pg_namespace where nspname = $1", [.text(target)]).rowCount == 0, "\(hostile): the schema was created")
            let verify = try CLIProcess.run(["snapshot", "verify", folder])
            #expect(verify.status == 2, "\(hostile): verify accepted it: \(verify.everything)")
        }
    }
}
