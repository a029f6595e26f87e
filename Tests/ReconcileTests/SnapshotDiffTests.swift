import Foundation
import Lifestream
import Postgres
@testable import Reconcile
import Snapshot
import Store
import TestSupport
import Testing

@Suite("diff --snapshot: a snapshot folder streamed and merged against a schema", .tags(.integration))
struct SnapshotDiffTests {
    /// Rows in several tables, with a composite key, hostile text, NULLs, jsonb and floats.
    static func fill(_ fixture: DiffFixture, schema: String) throws {
        for id in ["a", "b", "c", "d", "é", "z\u{1F980}"] { try fixture.link(id, in: [schema]) }
        try fixture.run("""
            INSERT INTO {s}.link_content (subject_id, http_status, content_type, content_text, word_count, fetched_at)
            SELECT 'l' || n, 200, 'text/html', s.value, n, timestamptz '2024-01-01 00:00:00.000001+00' + make_interval(secs => n)
            FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS s(value, n)
            """, [HostileText.jsonArray], in: [schema])
        try fixture.run("""
            INSERT INTO {s}.link_metadata (subject_id, summary, tags, language, model, enriched_at)
            VALUES ('m1', NULL, '{"b": 1, "a": [1, 2]}', 'en', 'x', '2024-01-01 00:00:00+00'),
                   ('m2', '', 'null', NULL, NULL, '2024-01-02 00:00:00+00')
            """, in: [schema])
        try fixture.run("""
            INSERT INTO {s}.temperature_readings (subject_id, occurred_at, celsius, humidity, event_id)
            SELECT 'sensor-' || (n % 3), timestamptz '2024-01-01 00:00:00+00' + make_interval(mins => n), n * 0.1, NULL, 'e' || n
            FROM generate_series(1, 500) AS n
            """, in: [schema])
        try fixture.run("""
            INSERT INTO {s}.temperature_readings (subject_id, occurred_at, celsius, humidity, event_id)
            VALUES ('sensor-x', '2024-01-01 00:00:00+00', -0.0, 1e-300, 'neg-zero')
            """, in: [schema])
    }

    static func export(_ fixture: DiffFixture, schema: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("snapdiff")).path
        try SnapshotExporter(connection: fixture.connection).export(to: folder, options: .init(schema: schema, toolVersion: "test"))
        return folder
    }

    static func request(_ fixture: DiffFixture, snapshot: String, schema: String, samples: Int = 5) -> DiffRequest {
        var request = DiffRequest(left: DiffSide(configuration: fixture.configuration, schema: schema),
                                  right: DiffSide(configuration: fixture.configuration, schema: schema),
                                  sampleLimit: samples, stateSchema: nil)
        request.snapshot = snapshot
        return request
    }

    @Test("a snapshot of a schema diffs equal against that schema")
    func equal() throws {
        try DiffFixture.with { fixture in
            try Self.fill(fixture, schema: fixture.left)
            let folder = try Self.export(fixture, schema: fixture.left)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let report = try DiffRunner.run(Self.request(fixture, snapshot: folder, schema: fixture.left))
            #expect(report.mode == .snapshot)
            #expect(report.verdict == .match, "\(TextSummary.render(report))")
            #expect(report.table("temperature_readings")?.leftRows == 501)
            #expect(report.table("link_content")?.rightRows == HostileText.samples.count)
            #expect(report.left.schema.hasPrefix("snapshot "))
        }
    }

    @Test("a changed row, a missing row and an extra row are found exactly, with their values")
    func plantedDifferences() throws {
        try DiffFixture.with { fixture in
            try Self.fill(fixture, schema: fixture.left)
            let folder = try Self.export(fixture, schema: fixture.left)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try fixture.onLeft("UPDATE {s}.links SET title = 'changed' WHERE subject_id = 'b'")
            try fixture.onLeft("DELETE FROM {s}.links WHERE subject_id = 'c'")
            try fixture.link("new", in: [fixture.left])
            try fixture.onLeft("""
                UPDATE {s}.temperature_readings SET celsius = celsius + 1
                WHERE subject_id = 'sensor-1' AND occurred_at = timestamptz '2024-01-01 00:00:00+00' + make_interval(mins => 4)
                """)
            let report = try DiffRunner.run(Self.request(fixture, snapshot: folder, schema: fixture.left, samples: 10))
            #expect(report.verdict == .diverged)
            let links = try #require(report.table("links"))
            #expect(links.changed == 1 && links.onlyLeft == 1 && links.onlyRight == 1)
            #expect(links.changedColumns.filter { $0.rows > 0 }.map(\.column) == ["title"])
            let samples = links.samples.map { "\($0.kind.rawValue) \($0.key.map(\.value).joined(separator: ","))" }
            #expect(Set(samples) == ["changed b", "only_left c", "only_right new"])
            let changed = try #require(links.samples.first { $0.kind == .changed })
            let title = try #require(changed.values.first { $0.column == "title" })
            #expect(title.left == "title" && title.right == "changed")
            let readings = try #require(report.table("temperature_readings"))
            #expect(readings.changed == 1 && readings.onlyLeft == 0 && readings.onlyRight == 0)
            #expect(report.totals.differences == 4)
            for table in report.tables where !["links", "temperature_readings"].contains(table.name) { #expect(table.matches, "\(table.name)") }
        }
    }

    @Test("a schema whose columns are in another order still matches its snapshot")
    func reorderedColumns() throws {
        try DiffFixture.with { fixture in
            try Self.fill(fixture, schema: fixture.left)
            let folder = try Self.export(fixture, schema: fixture.left)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try fixture.onRight("DROP TABLE {s}.link_metadata")
            try fixture.onRight("""
                CREATE TABLE {s}.link_metadata (enriched_at timestamptz NOT NULL, model text, language text, tags jsonb,
                    summary text, subject_id text PRIMARY KEY)
                """)
            try fixture.onRight("""
                INSERT INTO {s}.link_metadata (subject_id, summary, tags, language, model, enriched_at)
                VALUES ('m1', NULL, '{"a": [1,2], "b": 1}', 'en', 'x', '2024-01-01 00:00:00+00'),
                       ('m2', '', 'null', NULL, NULL, '2024-01-02 00:00:00+00')
                """)
            var request = Self.request(fixture, snapshot: folder, schema: fixture.right)
            request.tables = try TableSpec.select(["link_metadata"])
            let report = try DiffRunner.run(request)
            #expect(report.verdict == .match, "\(TextSummary.render(report))")
            #expect(report.table("link_metadata")?.rightRows == 2)
        }
    }

    @Test("a tampered snapshot file stops the diff with an error instead of reporting on it")
    func tamperedSnapshot() throws {
        try DiffFixture.with { fixture in
            try Self.fill(fixture, schema: fixture.left)
            let folder = try Self.export(fixture, schema: fixture.left)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            // Replace the links file by a valid zstd file of other rows: only the digests can tell.
            let other = try Self.export(fixture, schema: fixture.right)
            defer { try? FileManager.default.removeItem(atPath: other) }
            let file = (folder as NSString).appendingPathComponent("links.copy.zst")
            try FileManager.default.removeItem(atPath: file)
            try FileManager.default.copyItem(atPath: (other as NSString).appendingPathComponent("links.copy.zst"), toPath: file)
            let error = try #require(throws: SnapshotError.self) {
                try DiffRunner.run(Self.request(fixture, snapshot: folder, schema: fixture.left))
            }
            #expect("\(error)".contains("links.copy.zst"), "\(error)")
        }
    }

    @Test("a snapshot without a table the diff needs, or a missing folder, is an error")
    func missingPieces() throws {
        try DiffFixture.with { fixture in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("snapdiff")).path
            try SnapshotExporter(connection: fixture.connection).export(
                to: folder, options: .init(schema: fixture.left, tables: ["links"], toolVersion: "test"))
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let error = try #require(throws: ReconcileError.self) {
                try DiffRunner.run(Self.request(fixture, snapshot: folder, schema: fixture.left))
            }
            #expect(error.code == .tableMissing)
            #expect(throws: SnapshotError.self) {
                try DiffRunner.run(Self.request(fixture, snapshot: folder + "-nope", schema: fixture.left))
            }
        }
    }

    /// What it names, robustly: the same command on a table a tenth the size peaks within
    /// `allowedGrowth` of the 130 MB one, so memory does not follow the table (before popped
    /// batches were released it grew by the table's size: 117 MB more here). Measured with the
    /// machine's load average at ~13: idle 28–32 MiB, 13 MB table 54–57 MiB, 130 MB table
    /// 59–61 MiB, so 3–7 MiB between the two. The absolute bound over an idle `backfill` is only
    /// a sanity check far below the table: the fixed buffers (COPY chunks, the queues, zstd's
    /// window) cost 25–38 MiB over idle depending on load, a figure a busy machine moves, which
    /// is why it is not the test.
    static let allowedGrowth = 16 << 20
    static let sanityBound = 96 << 20

    @Test("the command diffs a 130 MB table against its snapshot in memory that does not follow the table, and exits 1 on a difference")
    func boundedMemory() throws {
        try DiffFixture.with { fixture in
            // Generated by the server, so the test process never holds the data: 300,000 rows on
            // the left, the first 30,000 of the same rows on the right.
            try fixture.both("""
                INSERT INTO {s}.link_content (subject_id, http_status, content_type, content_text, word_count, fetched_at)
                SELECT 'l' || lpad(g::text, 7, '0'), 200, 'text/html',
                       repeat(md5(g::text) || md5((-g)::text), 6), g, timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => g)
                FROM generate_series(1, 30000) g
                """)
            try fixture.onLeft("""
                INSERT INTO {s}.link_content (subject_id, http_status, content_type, content_text, word_count, fetched_at)
                SELECT 'l' || lpad(g::text, 7, '0'), 200, 'text/html',
                       repeat(md5(g::text) || md5((-g)::text), 6), g, timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => g)
                FROM generate_series(30001, 300000) g
                """)
            let url = try TestEnvironment.databaseURL()
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("snapdiff")).path
            let reports = folder + "-reports"
            defer {
                for path in [folder + "-large", folder + "-small", reports] { try? FileManager.default.removeItem(atPath: path) }
            }
            for (schema, size) in [(fixture.left, "large"), (fixture.right, "small")] {
                let export = try CLIProcess.run(["snapshot", "export", "--database-url", url, "--schema", schema,
                                                 "--tables", "link_content", "--out", folder + "-" + size, "--workers", "0"])
                try #require(export.status == 0, "\(export.stderr)")
            }
            let large = try SnapshotManifest.read(snapshot: folder + "-large").tables[0].uncompressedBytes
            let small = try SnapshotManifest.read(snapshot: folder + "-small").tables[0].uncompressedBytes
            #expect(large > 130_000_000)
            #expect(small * 9 < large)

            func diff(_ schema: String, _ size: String, _ extra: [String] = []) throws -> CLIProcess.Outcome {
                try CLIProcess.run(["diff", "--database-url", url, "--snapshot", folder + "-" + size, "--schema", schema,
                                    "--tables", "link_content", "--no-causes", "--reports-dir", reports] + extra)
            }
            let idle = try CLIProcess.run(["snapshot", "list", "--dir", folder + "-none"])
            let smallRun = try diff(fixture.right, "small")
            let largeRun = try diff(fixture.left, "large")
            #expect(smallRun.status == 0, "\(smallRun.stdout)\(smallRun.stderr)")
            #expect(largeRun.status == 0, "\(largeRun.stdout)\(largeRun.stderr)")
            let figures = "idle \(idle.peakMemory >> 20) MiB, 13 MB table \(smallRun.peakMemory >> 20) MiB, 130 MB table \(largeRun.peakMemory >> 20) MiB"
            print("diff --snapshot memory: \(figures)")
            #expect(largeRun.peakMemory - smallRun.peakMemory < Self.allowedGrowth, "ten times the table grew the peak too much: \(figures)")
            #expect(largeRun.peakMemory - idle.peakMemory < Self.sanityBound, "\(figures)")

            try fixture.onLeft("UPDATE {s}.link_content SET word_count = -1 WHERE subject_id = 'l0150000'")
            let changed = try diff(fixture.left, "large", ["--json"])
            #expect(changed.status == 1, "\(changed.stderr)")
            #expect(changed.stdout.contains("\"changed\" : 1"))
            #expect(!(changed.stdout + changed.stderr + largeRun.stdout + largeRun.stderr).contains("local-dev-secret"))
        }
    }
}
