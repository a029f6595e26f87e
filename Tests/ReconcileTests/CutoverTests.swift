import Foundation
import Kafka
import Lifestream
import Postgres
import TestSupport
import Testing
@testable import Reconcile

/// A topic with records and two groups' commits, next to a live/shadow pair of schemas whose
/// live side carries the legacy tables.
final class CutoverFixture {
    let tables: DiffFixture
    let admin: KafkaAdmin
    let topic: String
    let oldGroup = TestEnvironment.uniqueName("materializer")
    let liveGroup = TestEnvironment.uniqueName("flink")
    let reports: URL

    static func with<T>(_ body: (CutoverFixture) throws -> T) throws -> T {
        let fixture = try CutoverFixture()
        defer { fixture.drop() }
        return try body(fixture)
    }

    init() throws {
        tables = try DiffFixture()
        let configuration = try KafkaConfiguration(brokers: TestEnvironment.kafkaBrokers())
        admin = try KafkaAdmin(configuration: configuration)
        topic = TestEnvironment.uniqueName("cutover") + ".raw"
        reports = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("reports"))
        try admin.createTopic(topic, partitions: 2, config: ["retention.ms": "-1"])
        let producer = try KafkaProducer(configuration: configuration)
        for partition: Int32 in 0..<2 {
            for index in 0..<20 {
                try producer.send(topic: topic, partition: partition, key: Array("k\(index)".utf8), value: Array("v".utf8))
            }
        }
        try producer.flush()
        for table in [LifestreamTables.legacyDedupe, LifestreamTables.legacyOffsets] {
            try tables.connection.execute(table.createStatement(schema: tables.left, quote: SQL.quoteIdentifier))
        }
        try tables.onLeft("INSERT INTO {s}.event_ingest_dedupe (event_id, processed_at) SELECT 'e' || n, now() FROM generate_series(1, 7) n")
    }

    func drop() {
        try? admin.deleteTopic(topic)
        try? FileManager.default.removeItem(at: reports)
        tables.drop()
    }

    func legacyOffsets(_ offsets: [Int32: Int64]) throws {
        for (partition, offset) in offsets {
            try tables.onLeft("""
                INSERT INTO {s}.kafka_offsets (consumer_group, topic, partition, "offset", updated_at) VALUES ($1, $2, $3, $4, now())
                """, [.text(oldGroup), .text(topic), PostgresValue(Int(partition)), PostgresValue(offset)])
        }
    }

    func request(maxDiffRows: Int = 0, maxLag: Int64 = 0) -> CutoverRequest {
        CutoverRequest(diff: tables.request(streaming: false, maxDiffRows: maxDiffRows), topic: topic,
                       groups: [oldGroup, liveGroup], liveGroup: liveGroup, maxLag: maxLag,
                       run: RunReference(manifest: "snapshots/manifests/latest.json", runID: "run-1", topic: topic,
                                         targetSchema: tables.right, ranges: [.init(partition: 0, start: 0, end: 20),
                                                                               .init(partition: 1, start: 0, end: 20)]))
    }

    /// Every file in the reports folder, concatenated.
    func reportText() throws -> String {
        try FileManager.default.contentsOfDirectory(atPath: reports.path).sorted().map {
            try String(contentsOf: reports.appendingPathComponent($0), encoding: .utf8)
        }.joined(separator: "\n")
    }
}

@Suite("cutover-report: lag, diff, legacy tables and thresholds in one verdict", .tags(.integration))
struct CutoverTests {
    @Test("equal tables, a caught-up live group and legacy offsets behind it pass, in all three formats")
    func pass() throws {
        try CutoverFixture.with { fixture in
            try fixture.tables.link("a", in: [fixture.tables.left, fixture.tables.right])
            try fixture.admin.commitOffsets(group: fixture.liveGroup, topic: fixture.topic, offsets: [0: 20, 1: 20])
            try fixture.admin.commitOffsets(group: fixture.oldGroup, topic: fixture.topic, offsets: [0: 12, 1: 20])
            try fixture.legacyOffsets([0: 12, 1: 20])

            let report = try CutoverRunner.run(fixture.request(), admin: fixture.admin)
            #expect(report.verdict == .pass, "\(CutoverRendering.text(report))")
            #expect(report.checks.map(\.name) == ["diff", "lag", "legacy_offsets"])
            #expect(report.lag.ahead == fixture.liveGroup)
            #expect(report.legacy.dedupe == LegacyTableState(name: "event_ingest_dedupe", exists: true, rows: 7))
            #expect(report.legacy.offsets.rows == 2)
            #expect(report.legacy.offsetRows.map(\.liveCaughtUp) == [true, true])
            #expect(report.reproduce.note == nil)

            let written = try CutoverRendering.write(report, into: fixture.reports)
            #expect(written.latest.map(\.lastPathComponent) == ["cutover-latest.md", "cutover-latest.json", "cutover-latest.html"])
            #expect(written.files.allSatisfy { $0.lastPathComponent.hasPrefix("cutover-") })
            let data = try Data(contentsOf: fixture.reports.appendingPathComponent("cutover-latest.json"))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(object["verdict"] as? String == "pass")
            #expect((object["generated_at"] as? String)?.hasSuffix("Z") == true)
            #expect(try CutoverRendering.decode(data) == report)
            let html = try String(contentsOf: fixture.reports.appendingPathComponent("cutover-latest.html"), encoding: .utf8)
            #expect(html.contains("<svg") && !html.contains("<script") && !html.contains("src="))
            let markdown = try String(contentsOf: fixture.reports.appendingPathComponent("cutover-latest.md"), encoding: .utf8)
            #expect(markdown.contains("| 0 | 0 | 20 |"))  // the run's range of partition 0
            #expect(markdown.contains("backfill cutover-report --topic"))
            #expect(!(try fixture.reportText()).contains("local-dev-secret"))
        }
    }

    @Test("a differing row, lag over the threshold and a live group behind the legacy offsets each fail with a reason")
    func diverged() throws {
        try CutoverFixture.with { fixture in
            try fixture.tables.link("a", in: [fixture.tables.left])
            try fixture.admin.commitOffsets(group: fixture.liveGroup, topic: fixture.topic, offsets: [0: 15, 1: 20])
            try fixture.legacyOffsets([0: 18, 1: 20])

            let report = try CutoverRunner.run(fixture.request(maxLag: 4), admin: fixture.admin)
            #expect(report.verdict == .diverged)
            #expect(report.verdict.exitCode == 1)
            let checks = Dictionary(uniqueKeysWithValues: report.checks.map { ($0.name, $0) })
            #expect(checks["diff"]?.passed == false)
            #expect(checks["lag"]?.passed == false)
            #expect(checks["lag"]?.detail.contains("5 records") == true, "\(checks["lag"]?.detail ?? "")")
            #expect(checks["legacy_offsets"]?.passed == false)
            #expect(checks["legacy_offsets"]?.detail.contains("partition 0 (15 < 18") == true, "\(checks["legacy_offsets"]?.detail ?? "")")
            #expect(report.lag.group(fixture.oldGroup)?.hasCommittedOffsets == false)

            // A manifest of another schema's run is shown with a warning, not taken for the right side's.
            var other = fixture.request(maxLag: 4)
            other.run?.targetSchema = "somewhere_else"
            let warned = try CutoverRunner.run(other, admin: fixture.admin)
            #expect(warned.reproduce.note?.contains("not of the right side") == true)

            // Within thresholds the same state passes, except for the legacy offsets.
            let lenient = try CutoverRunner.run(fixture.request(maxDiffRows: 1, maxLag: 5), admin: fixture.admin)
            #expect(lenient.checks.map(\.passed) == [true, true, false])
        }
    }

    @Test("a live group with no committed offsets and a schema without legacy tables are reported, not errors")
    func nothingCommitted() throws {
        try CutoverFixture.with { fixture in
            try fixture.tables.connection.execute("DROP TABLE \(SQL.qualifiedName(fixture.tables.left, "kafka_offsets"))")
            let report = try CutoverRunner.run(fixture.request(maxLag: 1_000), admin: fixture.admin)
            #expect(report.verdict == .diverged)
            #expect(report.checks[1].detail.contains("no committed offsets"))
            #expect(report.legacy.offsets.exists == false)
            #expect(report.checks[2].passed)
        }
    }

    @Test("the command exits 1 when diverged and 0 when it passes, and never prints or writes the password")
    func command() throws {
        try CutoverFixture.with { fixture in
            try fixture.admin.commitOffsets(group: fixture.liveGroup, topic: fixture.topic, offsets: [0: 20, 1: 20])
            let url = try TestEnvironment.databaseURL()
            let arguments = ["cutover-report", "--database-url", url, "--topic", fixture.topic,
                             "--group", fixture.oldGroup, "--live-group", fixture.liveGroup,
                             "--left", fixture.tables.left, "--right", fixture.tables.right,
                             "--manifest", "/nonexistent/latest.json", "--reports-dir", fixture.reports.path]
            let passing = try CLIProcess.run(arguments)
            #expect(passing.status == 0, "\(passing.stdout)\(passing.stderr)")
            #expect(passing.stdout.contains("open: ") && passing.stdout.contains("cutover-latest.html"))

            try fixture.tables.link("only-live", in: [fixture.tables.left])
            let diverging = try CLIProcess.run(arguments + ["--json"])
            #expect(diverging.status == 1, "\(diverging.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(diverging.stdout.utf8)) as? [String: Any]
            #expect(object?["verdict"] as? String == "diverged")

            let broken = try CLIProcess.run(arguments.map { $0 == fixture.tables.right ? "no_such_schema_here" : $0 })
            #expect(broken.status == 2)
            #expect(broken.stderr.contains("no_such_schema_here"))

            let lag = try CLIProcess.run(["lag", "--topic", fixture.topic, "--group", fixture.liveGroup, "--json"])
            #expect(lag.status == 0, "\(lag.stderr)")
            #expect(lag.stdout.contains("\"committed\" : 20"), "\(lag.stdout)")

            for output in [passing.stdout, passing.stderr, diverging.stdout, diverging.stderr, broken.stdout, broken.stderr,
                           try fixture.reportText()] {
                #expect(!output.contains("local-dev-secret"))
            }
        }
    }
}
