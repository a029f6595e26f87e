import Backfill
import Foundation
import Postgres
import Store
import TestSupport
import Testing

@Suite("backfill nightly --diff incremental|full", .serialized, .tags(.integration))
struct NightlyDiffTests {
    /// The summary's diff object of the last night.
    static func diff(_ fixture: NightlyFixture) throws -> [String: Any] {
        try #require(try fixture.summary()["diff"] as? [String: Any])
    }

    /// New records on the topic, applied to the live schema as a correct rebuild would.
    static func moreEvents(_ fixture: NightlyFixture, seed: Int) throws {
        let generated = try CLIProcess.run(["generate", "--topic", fixture.topic, "--events", "200", "--subjects", "30", "--seed", "\(seed)",
                                            "--partitions", "2", "--quiet"], environment: NightlyFixture.environment)
        try #require(generated.status == 0, "\(generated.everything)")
        let live = try CLIProcess.run(["run", "--after", fixture.directory + "/live-manifests/latest.json", "--topic", fixture.topic,
                                       "--target-schema", fixture.live, "--quiet", "--manifest-dir", fixture.directory + "/live-manifests"],
                                      environment: NightlyFixture.environment)
        try #require(live.status == 0, "\(live.everything)")
    }

    @Test("the first night diffs in full, later nights only the subjects with new records; a write outside the stream is missed by them, found by --diff full as changed_without_events and kept until fixed; --full-every forces a full diff")
    func incrementalAndFull() throws {
        let fixture = try NightlyFixture("nightly_incr", events: 800)
        defer { fixture.dropSchemas() }
        try fixture.buildLive()
        let live = SQL.quoteIdentifier(fixture.live)
        let points = SQL.qualifiedName(StateSchema.defaultName(forTarget: fixture.shadow), "verified_points")

        // No verified point yet: full, and the night records one.
        let dry = try fixture.nightly(["--dry-run"])
        #expect(dry.stdout.contains("would diff in full: there is no verified point yet"), "\(dry.stdout)")
        let first = try fixture.nightly()
        #expect(first.status == 0, "\(first.everything)")
        var diff = try Self.diff(fixture)
        #expect(diff["scope"] as? String == "full")
        #expect((diff["scope_reason"] as? String)?.contains("no verified point") == true)
        #expect(diff["verified_point"] as? Int != nil)
        #expect(first.stdout.contains("diff scope: full"), "\(first.stdout)")
        var metrics = try fixture.metrics()
        #expect(metrics.contains("backfill_diff_incremental 0\n"))
        #expect(metrics.contains("backfill_diff_last_full_timestamp_seconds "))
        #expect(!metrics.contains("backfill_diff_subjects "))

        // New records: the next night compares only their subjects.
        try Self.moreEvents(fixture, seed: 2)
        let second = try fixture.nightly()
        #expect(second.status == 0, "\(second.everything)")
        diff = try Self.diff(fixture)
        #expect(diff["scope"] as? String == "incremental")
        let touched = try #require(diff["subjects"] as? Int)
        #expect(touched > 0 && touched <= 40, "\(touched) subjects")
        metrics = try fixture.metrics()
        #expect(metrics.contains("backfill_diff_incremental 1\n"))
        #expect(metrics.contains("backfill_diff_subjects \(touched)\n"))
        #expect(metrics.contains("backfill_diff_cause_rows{cause=\"changed_without_events\"} 0\n"))

        // A write outside the event stream to a subject without new records: missed incrementally…
        try fixture.execute("update \(live).todos set title = 'edited by hand' where subject_id = (select min(subject_id) from \(live).todos)")
        let missed = try fixture.nightly()
        #expect(missed.status == 0, "\(missed.everything)")
        diff = try Self.diff(fixture)
        #expect(diff["scope"] as? String == "incremental" && diff["subjects"] as? Int == 0 && diff["differences"] as? Int == 0)

        // …found by a full diff as changed_without_events…
        let full = try fixture.nightly(["--diff", "full"])
        #expect(full.status == 1, "\(full.everything)")
        diff = try Self.diff(fixture)
        #expect(diff["scope"] as? String == "full" && (diff["scope_reason"] as? String)?.contains("--diff full") == true)
        #expect((diff["causes"] as? [String: Int])?["changed_without_events"] == 1)
        #expect(try fixture.metrics().contains("backfill_diff_cause_rows{cause=\"changed_without_events\"} 1\n"))
        let report = try String(contentsOfFile: fixture.reports + "/latest.md", encoding: .utf8)
        #expect(report.contains("`changed_without_events` | 1 | 1 |"), "\(report)")

        // …and compared again by every incremental night until it is fixed.
        let kept = try fixture.nightly()
        #expect(kept.status == 1, "\(kept.everything)")
        diff = try Self.diff(fixture)
        #expect(diff["scope"] as? String == "incremental" && diff["subjects"] as? Int == 1)
        #expect((diff["causes"] as? [String: Int])?["changed_without_events"] == 1)
        try fixture.execute("""
            update \(live).todos l set title = s.title from \(SQL.quoteIdentifier(fixture.shadow)).todos s
            where l.subject_id = s.subject_id and l.title = 'edited by hand'
            """)
        let fixed = try fixture.nightly()
        #expect(fixed.status == 0, "\(fixed.everything)")
        #expect(try Self.diff(fixture)["subjects"] as? Int == 1)

        // The last full diff made older than --full-every (7d by default): tonight is full again.
        try fixture.execute("update \(points) set verified_at = verified_at - interval '8 days' where scope = 'full'")
        let stale = try fixture.nightly()
        #expect(stale.status == 0, "\(stale.everything)")
        diff = try Self.diff(fixture)
        #expect(diff["scope"] as? String == "full")
        #expect((diff["scope_reason"] as? String)?.contains("--full-every 7d") == true, "\(diff)")
        // BACKFILL_FULL_EVERY=0 in the config file: every night is full.
        try Data("BACKFILL_FULL_EVERY=0\n".utf8).write(to: URL(fileURLWithPath: fixture.directory + "/backfill.conf"))
        let always = try fixture.nightly()
        #expect(always.status == 0, "\(always.everything)")
        #expect(try Self.diff(fixture)["scope"] as? String == "full")
        // A setting that is neither is an error naming where it was set.
        try Data("BACKFILL_DIFF=partial\n".utf8).write(to: URL(fileURLWithPath: fixture.directory + "/backfill.conf"))
        let wrong = try fixture.nightly()
        #expect(wrong.status == 2, "\(wrong.everything)")
        #expect(wrong.stderr.contains("BACKFILL_DIFF") && wrong.stderr.contains("must be incremental or full, not 'partial'"), "\(wrong.stderr)")
        let flag = try fixture.nightly(["--full-every", "weekly"])
        #expect(flag.status != 0 && flag.stderr.contains("--full-every must be a span"), "\(flag.stderr)")
    }
}
