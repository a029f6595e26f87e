import Foundation
@testable import LegacyCleanup
import Testing

/// The checks' pure verdicts, from numbers alone.
@Suite("cleanup check verdicts")
struct EvaluationTests {
    @Test("where several legacy groups recorded a partition the furthest offset must be reached; rows without an offset need nothing")
    func furthestOffset() {
        let rows = [
            LegacyOffset(consumerGroup: "materializer-v1", topic: "events.raw", partition: 0, offset: 100),
            LegacyOffset(consumerGroup: "materializer-v0", topic: "events.raw", partition: 0, offset: 140),
            LegacyOffset(consumerGroup: "materializer-v1", topic: "events.raw", partition: 1, offset: nil),
        ]
        let key = TopicPartition(topic: "events.raw", partition: 0)
        let short = OffsetCheck.evaluate(rows: rows, committed: [key: 120], group: "flink")
        #expect(short.status == .fail)
        #expect(short.evidence["largest_gap"] == .int(20))
        #expect(short.evidence["partitions"] == .int(1))
        #expect(short.evidence["rows_without_offset"] == .int(1))
        #expect(short.evidence["legacy_groups"] == .list(["materializer-v0", "materializer-v1"]))
        let caughtUp = OffsetCheck.evaluate(rows: rows, committed: [key: 140], group: "flink")
        #expect(caughtUp.status == .pass)
        #expect(caughtUp.summary.contains("1 rows without an offset need nothing"))
        #expect(OffsetCheck.evaluate(rows: [], committed: [:], group: "flink").status == .pass)
        #expect(OffsetCheck.evaluate(rows: nil, committed: [:], group: "flink").summary.contains("already gone"))
    }

    @Test("a cutover report is read for its verdict and time; anything else is unusable, and only a current pass passes")
    func cutoverReport() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cutover-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = (folder as NSString).appendingPathComponent("cutover-latest.json")
        #expect(CutoverCheck.readReport(at: path) == .absent)
        for (text, why) in [("not json", "not a JSON object"), ("{\"generated_at\": \"2026-11-23T10:00:00Z\"}", "no \"verdict\""),
                            ("{\"verdict\": \"pass\", \"generated_at\": \"yesterday\"}", "RFC 3339")] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            guard case .unreadable(let reason) = CutoverCheck.readReport(at: path) else {
                Issue.record("\(text) was read as a report")
                continue
            }
            #expect(reason.contains(why))
        }
        try Data("{\"verdict\": \"pass\", \"generated_at\": \"2026-11-23T10:00:00.250+01:00\", \"tables\": []}".utf8).write(to: URL(fileURLWithPath: path))
        let state = CutoverCheck.readReport(at: path)
        let generated = try #require(CutoverCheck.parseRFC3339("2026-11-23T09:00:00.250Z"))
        #expect(state == .found(verdict: "pass", generatedAt: generated))

        let now = generated.addingTimeInterval(3600)
        let current = CutoverCheck.evaluate(report: state, reportPath: path, now: now, maxAge: 7200, fresh: nil, diffError: nil, force: nil)
        #expect(current.status == .pass)
        #expect(current.evidence["report_age_seconds"] == .int(3600))
        let stale = CutoverCheck.evaluate(report: state, reportPath: path, now: now, maxAge: 1800, fresh: nil, diffError: nil, force: nil)
        #expect(stale.status == .fail)
        #expect(stale.evidence["report_state"] == .text("stale"))
        let forced = CutoverCheck.evaluate(report: .found(verdict: "diverged", generatedAt: generated), reportPath: path, now: now,
                                           maxAge: 7200, fresh: nil, diffError: nil, force: "INC-42")
        #expect(forced.status == .forced)
        #expect(forced.evidence["forced_reason"] == .text("INC-42"))
        let withinThreshold = FreshDiff(verdict: "within_threshold", differences: 2, leftRows: 10, rightRows: 10, tables: ["links: 2"])
        #expect(CutoverCheck.evaluate(report: .absent, reportPath: path, now: now, maxAge: 7200, fresh: withinThreshold,
                                      diffError: nil, force: nil).status == .pass)
    }

    @Test("the JSON report keeps numbers as numbers and reads back equal")
    func jsonRoundTrip() throws {
        let check = CleanupCheck(number: 2, name: "event_ids", status: .fail, summary: "s",
                                 evidence: ["unknown": .int(3), "fraction": .double(0.25), "exists": .bool(true), "ids": .list(["a"]), "log": .text("x")])
        let outcome = CleanupOutcome(generatedAt: "2026-11-23T10:00:00Z", result: .refused, confirm: true, schema: "lifestream",
                                     group: "flink", tables: [], checks: [check], forceReason: nil, plan: [])
        let json = try CleanupRendering.json(outcome)
        #expect(json.contains("\"unknown\" : 3"))
        #expect(json.contains("\"fraction\" : 0.25"))
        let decoded = try JSONDecoder().decode(CleanupOutcome.self, from: Data(json.utf8))
        #expect(decoded == outcome)
    }
}
