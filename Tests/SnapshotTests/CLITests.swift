import Foundation
import Lifestream
import Postgres
import Snapshot
import Store
import TestSupport
import Testing

@Suite("backfill snapshot command", .tags(.integration))
struct CLITests {
    static func smallSnapshot(_ scratch: Scratch) throws -> (schema: String, folder: String) {
        let schema = scratch.schema("source")
        try scratch.createSchema(schema)
        for table in [LifestreamTables.links, LifestreamTables.annotations] {
            try scratch.connection.execute(table.createStatement(schema: schema, quote: SQL.quoteIdentifier))
            try HostileRows.fill(table, schema: schema, rows: 30, on: scratch.connection)
        }
        return (schema, scratch.path("snap"))
    }

    @Test("export, verify, list and import work end to end, and no output or file shows the password")
    func endToEnd() throws {
        let url = try TestEnvironment.databaseURL()
        let password = try #require(URLComponents(string: url)?.password)
        try Scratch.run { scratch in
            let (schema, folder) = try Self.smallSnapshot(scratch)
            let runManifest = scratch.path("run.json")
            try Data(#"{"run_id": "r1", "topic": "events.raw", "ranges": [{"partition": 0, "start": 0, "end": 77}]}"#.utf8)
                .write(to: URL(fileURLWithPath: runManifest))
            let export = try CLIProcess.run(["snapshot", "export", "--database-url", url, "--schema", schema, "--tables", "links,annotations",
                                             "--out", folder, "--checkpoint", runManifest, "--level", "5", "--json"])
            #expect(export.status == 0, "\(export.stderr)")
            let manifest = try JSONDecoder().decode(SnapshotManifest.self, from: Data(export.stdout.utf8))
            #expect(manifest.tables.map(\.name) == ["links", "annotations"])
            #expect(manifest.compression.level == 5)
            #expect(manifest.checkpoint?.offsets == [.init(partition: 0, end: 77)])

            let verify = try CLIProcess.run(["snapshot", "verify", folder, "--json"])
            #expect(verify.status == 0, "\(verify.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any])
            #expect(report["valid"] as? Bool == true)

            let list = try CLIProcess.run(["snapshot", "list", "--dir", scratch.directory])
            #expect(list.status == 0)
            #expect(list.stdout.contains("snap") && list.stdout.contains("0:77") && list.stdout.contains(" 60 "))

            let target = scratch.schema("target")
            let first = try CLIProcess.run(["snapshot", "import", folder, "--schema", target])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(try scratch.differences("links", schema, target) == 0)
            let again = try CLIProcess.run(["snapshot", "import", folder, "--schema", target])
            #expect(again.status == 2)
            #expect(again.stderr.hasPrefix("error: Cannot import snapshot \(folder): schema \(target) is not empty"))
            let replaced = try CLIProcess.run(["snapshot", "import", folder, "--schema", target, "--replace"])
            #expect(replaced.status == 0, "\(replaced.stderr)")

            for outcome in [export, verify, list, first, again, replaced] {
                #expect(!outcome.stdout.contains(password) && !outcome.stderr.contains(password))
            }
            for file in try FileManager.default.contentsOfDirectory(atPath: folder) {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(file)))
                #expect(bytes.range(of: Data(password.utf8)) == nil, "\(file) contains the password")
            }
        }
    }

    @Test("a damaged snapshot makes verify exit 2 with one sentence per problem")
    func verifyFailure() throws {
        try Scratch.run { scratch in
            let (schema, folder) = try Self.smallSnapshot(scratch)
            try SnapshotExporter(connection: scratch.connection).export(to: folder, options: .init(schema: schema, toolVersion: "test"))
            try Damage.editManifest(folder) { $0.tables[0].rows = 31 }
            let verify = try CLIProcess.run(["snapshot", "verify", folder])
            #expect(verify.status == 2)
            #expect(verify.stdout.contains("FAILED annotations"))
            #expect(verify.stderr == "error: Snapshot \(folder) is corrupt: annotations.copy.zst holds 30 rows but the manifest says 31\n")
            let json = try CLIProcess.run(["snapshot", "verify", folder, "--json"])
            #expect(json.status == 2)
            #expect(json.stdout.contains("\"valid\" : false"))
        }
    }
}
