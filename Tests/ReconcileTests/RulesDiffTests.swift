import Foundation
import Postgres
import Snapshot
import Testing
import TestSupport
@testable import Reconcile

/// Verdict rules applied by real diffs: one database, two streamed sides, and a snapshot.
@Suite("Verdict rules on the real server", .tags(.integration))
struct RulesDiffTests {
    static let reading = "INSERT INTO {s}.temperature_readings (subject_id, occurred_at, celsius, humidity, event_id) VALUES ($1, $2, $3, $4, 'e')"

    static func rules(_ text: String) throws -> VerdictRules { try VerdictRules.parse(text, path: "rules.toml") }

    /// Three readings whose celsius differs by 1e-12 (float noise), one whose humidity differs
    /// by exactly 0.5, and a reading that differs for real.
    static func plantNoise(_ fixture: DiffFixture) throws {
        for (minute, celsius) in [(1, 20.5), (2, 16.262), (3, -3.25)] {
            let time = "2024-01-01 00:0\(minute):00+00"
            try fixture.onLeft(reading, [.text("t-1"), .text(time), .text(String(celsius)), .text("50")])
            try fixture.onRight(reading, [.text("t-1"), .text(time), .text(String(celsius + 1e-12)), .text("50")])
        }
        try fixture.onLeft(reading, ["t-2", "2024-01-01 00:00:00+00", "1", "50"])
        try fixture.onRight(reading, ["t-2", "2024-01-01 00:00:00+00", "1", "50.5"])
    }

    static let noiseRules = """
        [tables.temperature_readings.columns.celsius]
        absolute = 1e-9
        reason = "float noise from the live job's JSON path"

        [tables.temperature_readings.columns.humidity]
        absolute = 0.5
        reason = "humidity is rounded to half a percent"
        """

    @Test("float noise of 1e-12 passes with a tolerance and fails without, in every mode", arguments: [false, true])
    func floatNoise(streaming: Bool) throws {
        try DiffFixture.with { fixture in
            try Self.plantNoise(fixture)
            let tables = [TableSpec.lifestream[5]]
            let without = try DiffRunner.run(fixture.request(streaming: streaming, tables: tables))
            #expect(without.verdict == .diverged)
            #expect(without.totals.changed == 4)
            #expect(without.verdictRules == nil && without.formatVersion == 1)

            var request = fixture.request(streaming: streaming, tables: tables)
            request.rules = try Self.rules(Self.noiseRules)
            let with = try DiffRunner.run(request)
            #expect(with.verdict == .withinThreshold, "\(TextSummary.render(with))")
            #expect(with.totals.changed == 4)  // raw counts stay raw
            let readings = try #require(with.table("temperature_readings"))
            #expect(readings.ruled == RuledCounts(acceptedByColumnRules: 4, changed: 0,
                                                  changedColumns: [.init(column: "celsius", rows: 0), .init(column: "humidity", rows: 0),
                                                                   .init(column: "event_id", rows: 0)],
                                                  acceptedByCauseRules: 0, differences: 0))
            let outcome = try #require(with.verdictRules)
            #expect(outcome.rules.map(\.rows) == [3, 1])
            #expect(outcome.rules[0].example == RuleExample(key: [.init(column: "subject_id", value: "t-1"),
                                                                  .init(column: "occurred_at", value: "2024-01-01 00:01:00+00")],
                                                            left: "20.5", right: "20.500000000001"))
            #expect(outcome.rules[1].example?.right == "50.5")
            #expect(readings.samples.isEmpty)  // accepted rows are counted under their rule, not sampled
            #expect(with.formatVersion == 2)

            // A tolerance one step too tight lets the noise through as differences again.
            request.rules = try Self.rules(Self.noiseRules.replacingOccurrences(of: "1e-9", with: "1e-13")
                .replacingOccurrences(of: "0.5\n", with: "0.49\n"))
            let tight = try DiffRunner.run(request)
            #expect(tight.verdict == .diverged)
            #expect(tight.table("temperature_readings")?.ruled?.changed == 4)
        }
    }

    /// links: updated_at differs in l-1 and l-2 (l-2 also in status); at l-3 updated_at is
    /// 0.4 ms apart, at l-4 2 ms apart.
    static func plantLinks(_ fixture: DiffFixture) throws {
        try fixture.link("l-0")
        try fixture.link("l-1", in: [fixture.left], updatedAt: "2024-01-01 00:00:00+00")
        try fixture.link("l-1", in: [fixture.right], updatedAt: "2024-02-01 00:00:00+00")
        try fixture.link("l-2", in: [fixture.left], status: "added", updatedAt: "2024-01-01 00:00:00+00")
        try fixture.link("l-2", in: [fixture.right], status: "fetched", updatedAt: "2024-02-01 00:00:00+00")
    }

    @Test("an ignored column's differences are reported as accepted, not hidden", arguments: [false, true])
    func ignoredColumn(streaming: Bool) throws {
        try DiffFixture.with { fixture in
            try Self.plantLinks(fixture)
            var request = fixture.request(streaming: streaming, tables: [TableSpec.lifestream[1]])
            request.rules = try Self.rules("""
                [tables.links.columns.updated_at]
                ignore = true
                reason = "the live job stamps processing time"
                """)
            let report = try DiffRunner.run(request)
            let links = try #require(report.table("links"))
            #expect((links.changed, DiffCorrectnessTests.changed(links)) == (2, ["status": 1, "updated_at": 2]))
            #expect(links.ruled?.acceptedByColumnRules == 1)
            #expect(links.ruled?.changed == 1)
            #expect(links.ruled.map(DiffCorrectnessTests.ruledChanged) == ["status": 1])
            let rule = try #require(report.verdictRules?.rules.first)
            #expect((rule.rows, rule.accepted, rule.kind) == (2, 2, "ignore"))
            #expect(rule.example == RuleExample(key: [.init(column: "subject_id", value: "l-1")],
                                                left: "2024-01-01 00:00:00+00", right: "2024-02-01 00:00:00+00"))
            #expect(links.samples.map { $0.key[0].value } == ["l-2"])
            #expect(links.samples[0].values.first { $0.column == "updated_at" }?.acceptedBy == "tables.links.columns.updated_at")
            #expect(report.verdict == .diverged)
            #expect(report.verdictRules?.totals == .init(differences: 2, acceptedByColumnRules: 1, acceptedByCauseRules: 0, remaining: 1))
            let markdown = MarkdownReport.render(report)
            #expect(markdown.contains("| `tables.links.columns.updated_at` | 1 | ignored | 2 | accepted | the live job stamps processing time |"))
            #expect(markdown.contains("updated_at 2→0"))
        }
    }

    @Test("timestamps compared to the millisecond accept a 0.4 ms difference and not a 2 ms one", arguments: [false, true])
    func precision(streaming: Bool) throws {
        try DiffFixture.with { fixture in
            try fixture.link("l-3", in: [fixture.left], updatedAt: "2024-01-01 00:00:00.1231+00")
            try fixture.link("l-3", in: [fixture.right], updatedAt: "2024-01-01 00:00:00.1235+00")
            try fixture.link("l-4", in: [fixture.left], updatedAt: "2024-01-01 00:00:00.123+00")
            try fixture.link("l-4", in: [fixture.right], updatedAt: "2024-01-01 00:00:00.125+00")
            var request = fixture.request(streaming: streaming, tables: [TableSpec.lifestream[1]])
            request.rules = try Self.rules("""
                [tables.links.columns.updated_at]
                precision = "milliseconds"
                reason = "the live job stores milliseconds"
                """)
            let report = try DiffRunner.run(request)
            #expect(report.table("links")?.ruled?.acceptedByColumnRules == 1)
            #expect(report.table("links")?.samples.map { $0.key[0].value } == ["l-4"])
            #expect(report.verdictRules?.rules.first?.example?.key.first?.value == "l-3")
            request.rules = try Self.rules("""
                [tables.links.columns.updated_at]
                precision = "seconds"
                reason = "the live job stores seconds"
                """)
            #expect(try DiffRunner.run(request).verdict == .withinThreshold)
        }
    }

    @Test("a cause limit passes at the limit and fails one row above it")
    func causeLimit() throws {
        try DiffFixture.with { fixture in
            try fixture.createStateSchema()
            for id in ["m-1", "m-2", "m-3"] { try fixture.link(id, in: [fixture.left]) }  // no events: missing_event
            func judge(limit: Int) throws -> DiffReport {
                var request = fixture.request(streaming: false, tables: [TableSpec.lifestream[1]], causes: true)
                request.rules = try Self.rules("[causes.missing_event]\nlimit = \(limit)\nreason = \"the live job is catching up\"\n")
                return try DiffRunner.run(request)
            }
            let atLimit = try judge(limit: 3)
            #expect(atLimit.causes.count(.missingEvent)?.rows == 3)
            #expect(atLimit.verdict == .withinThreshold)
            #expect(atLimit.verdictRules?.totals.acceptedByCauseRules == 3)
            let above = try judge(limit: 2)
            #expect(above.verdict == .diverged)
            let rule = try #require(above.verdictRules?.rules.first)
            #expect(rule.rows == 3 && rule.accepted == 0 && !rule.passed)
        }
    }

    @Test("one database, two streamed sides and a snapshot give the same ruled report")
    func modesAgree() throws {
        try DiffFixture.with { fixture in
            try Self.plantNoise(fixture)
            try Self.plantLinks(fixture)
            let rules = try Self.rules(Self.noiseRules + """


                [tables.links.columns.updated_at]
                ignore = true
                reason = "processing time"
                """)
            var reports: [DiffReport] = []
            for streaming in [false, true] {
                var request = fixture.request(streaming: streaming, samples: 3)
                request.rules = rules
                reports.append(try DiffRunner.run(request))
            }
            // The snapshot is of the left schema; compared with the right one.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("rulesnap")).path
            try SnapshotExporter(connection: fixture.connection).export(to: folder, options: .init(schema: fixture.left, toolVersion: "test"))
            defer { try? FileManager.default.removeItem(atPath: folder) }
            var snapshot = fixture.request(streaming: true, samples: 3)
            snapshot.snapshot = folder
            snapshot.rules = rules
            reports.append(try DiffRunner.run(snapshot))

            #expect(reports[0].verdictRules?.totals == .init(differences: 6, acceptedByColumnRules: 5, acceptedByCauseRules: 0, remaining: 1))
            for report in reports.dropFirst() {
                #expect(report.untimedTables == reports[0].untimedTables)
                #expect(report.verdictRules == reports[0].verdictRules)
                #expect(report.verdict == reports[0].verdict)
            }
        }
    }

    @Test("a rules file naming a column the compared table lacks stops the diff before it compares")
    func unknownColumnAtRunTime() throws {
        try DiffFixture.with { fixture in
            var request = fixture.request(streaming: false, tables: [TableSpec.lifestream[1]])
            request.rules = try Self.rules("\n[tables.links.columns.colour]\nignore = true\nreason = \"x\"\n")
            #expect {
                try DiffRunner.run(request)
            } throws: { error in
                (error as? ReconcileError)?.message.hasPrefix("rules.toml:2: table links has no column colour") == true
            }
        }
    }
}

extension DiffCorrectnessTests {
    static func ruledChanged(_ ruled: RuledCounts) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: ruled.changedColumns.filter { $0.rows > 0 }.map { ($0.column, $0.rows) })
    }
}
