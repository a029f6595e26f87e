import Backfill
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("backfill nightly with verdict rules", .tags(.integration))
struct NightlyRulesTests {
    @Test("a night judged by BACKFILL_RULES from the config file accepts an ignored column's difference, shows both views, and --no-rules diverges")
    func rulesFromConfig() throws {
        let fixture = try NightlyFixture("nightly_rules")
        defer { fixture.dropSchemas() }
        try fixture.buildLive()
        try Data("""
            [tables.subjects.columns.updated_at]
            ignore = true
            reason = "the live job stamps processing time"
            """.utf8).write(to: URL(fileURLWithPath: fixture.directory + "/rules.toml"))
        try Data("BACKFILL_RULES=rules.toml\n".utf8).write(to: URL(fileURLWithPath: fixture.directory + "/backfill.conf"))

        let first = try fixture.nightly()
        #expect(first.status == 0, "\(first.everything)")
        let live = SQL.quoteIdentifier(fixture.live)
        try fixture.execute("update \(live).subjects set updated_at = updated_at + interval '1 second' where subject_id = (select min(subject_id) from \(live).subjects)")

        let judged = try fixture.nightly(["--diff", "full"])
        #expect(judged.status == 0, "\(judged.everything)")
        #expect(judged.stdout.contains("diff: within_threshold, 1 differing rows (subjects 1)"), "\(judged.stdout)")
        #expect(judged.stdout.contains("after rules (rules.toml): 1 accepted, 0 left ≤ 0"), "\(judged.stdout)")
        let diff = try #require(try fixture.summary()["diff"] as? [String: Any])
        let rules = try #require(diff["rules"] as? [String: Any])
        #expect(rules["accepted"] as? Int == 1 && rules["remaining"] as? Int == 0 && rules["file"] as? String == "rules.toml")
        let metrics = try fixture.metrics()
        #expect(metrics.contains("backfill_diff_rows{table=\"subjects\"} 1\n"))
        #expect(metrics.contains("backfill_diff_rows_after_rules 0\n"))
        #expect(metrics.contains("backfill_diff_rows_accepted 1\n"))
        let report = try String(contentsOfFile: fixture.reports + "/latest.md", encoding: .utf8)
        #expect(report.contains("`tables.subjects.columns.updated_at` | 1 | ignored | 1 | accepted | the live job stamps processing time"))

        let plain = try fixture.nightly(["--no-rules", "--diff", "full"])
        #expect(plain.status == 1, "\(plain.everything)")
        #expect(try fixture.summary()["diff"].flatMap { ($0 as? [String: Any])?["rules"] } == nil)
    }
}
