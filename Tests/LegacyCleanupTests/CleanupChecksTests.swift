import Foundation
import LegacyCleanup
import Postgres
import TestSupport
import Testing

/// Each check failing on its own refuses the cleanup, says why with numbers, and leaves the
/// tables exactly as they were, even with --confirm.
@Suite("cleanup-legacy refuses while a check fails", .tags(.integration))
struct CleanupChecksTests {
    /// Runs a confirmed cleanup that must be refused by exactly `check`, and proves nothing changed.
    func expectRefused(_ fixture: Fixture, by check: String, request: CleanupRequest? = nil) throws -> CleanupOutcome {
        let before = try fixture.contents()
        #expect(before.count == 2)
        let outcome = try fixture.cleanup(request ?? fixture.request())
        #expect(outcome.result == .refused)
        #expect(outcome.exitCode == 1)
        #expect(outcome.checks.filter { $0.status == .fail }.map(\.name) == [check])
        #expect(try fixture.contents() == before)
        #expect(fixture.files(in: fixture.snapshots).isEmpty)
        #expect(outcome.snapshot == nil)
        // A refused --confirm run leaves a report saying why.
        let report = try String(contentsOfFile: (fixture.reports as NSString).appendingPathComponent("cleanup-latest.json"), encoding: .utf8)
        #expect(report.contains("\"result\" : \"refused\""))
        return outcome
    }

    @Test("a Flink group behind the old materializer on one partition refuses, naming the partition and the gap")
    func groupBehind() throws {
        let fixture = try Fixture()
        _ = try fixture.healthy()
        try fixture.commitFlink([1: 4])  // partition 1: old materializer read to 7
        let outcome = try expectRefused(fixture, by: "offsets")
        let check = outcome.checks[0]
        #expect(check.evidence["behind"] == .int(1))
        #expect(check.evidence["at_or_past"] == .int(1))
        #expect(check.evidence["largest_gap"] == .int(3))
        #expect(check.details == ["\(fixture.topic)/1: \(fixture.group) committed 4, the old materializer had read to 7 (3 behind)"])
    }

    @Test("a group that never committed on a partition is behind there")
    func groupWithoutCommit() throws {
        let fixture = try Fixture()
        _ = try fixture.healthy()
        var request = fixture.request()
        request.group = fixture.group + "-never"
        let outcome = try expectRefused(fixture, by: "offsets", request: request)
        #expect(outcome.checks[0].evidence["without_commit"] == .int(2))
    }

    @Test("event ids unknown to the event log over the threshold refuse; the same ids within a larger threshold pass")
    func unknownIDs() throws {
        let fixture = try Fixture()
        let ids = try fixture.healthy()
        try fixture.fillLegacy(ids: ["old-1", "old-2", "old-3"], offsets: [:])
        var request = fixture.request()
        request.unknownThreshold = .count(2)
        let outcome = try expectRefused(fixture, by: "event_ids", request: request)
        let check = outcome.checks[1]
        #expect(check.evidence["ids"] == .int(Int64(ids.count + 3)))
        #expect(check.evidence["known"] == .int(Int64(ids.count)))
        #expect(check.evidence["unknown"] == .int(3))
        #expect(check.evidence["unknown_samples"] == .list(["old-1", "old-2", "old-3"]))
        #expect(check.summary.contains("over the threshold of 2 ids"))

        request.confirm = false
        request.unknownThreshold = .fraction(0.15)  // 3 of 23 is 13 %
        let dry = try fixture.cleanup(request)
        #expect(dry.result == .dryRunPassed)
        #expect(dry.checks[1].status == .pass)
    }

    @Test("a diverged cutover report refuses without --force; with --force the reason is recorded and the cleanup proceeds")
    func divergedReport() throws {
        let fixture = try Fixture()
        _ = try fixture.healthy()
        try fixture.writeCutoverReport(verdict: "diverged")
        let outcome = try expectRefused(fixture, by: "cutover")
        #expect(outcome.checks[2].evidence["report_verdict"] == .text("diverged"))
        #expect(outcome.checks[2].evidence["report_state"] == .text("current"))

        var forced = fixture.request()
        forced.force = "differences explained in INC-42"
        let done = try fixture.cleanup(forced)
        #expect(done.result == .dropped)
        #expect(done.checks[2].status == .forced)
        #expect(done.forceReason == "differences explained in INC-42")
        let markdown = try String(contentsOfFile: (fixture.reports as NSString).appendingPathComponent("cleanup-latest.md"), encoding: .utf8)
        #expect(markdown.contains("differences explained in INC-42"))
        #expect(try !fixture.exists("kafka_offsets") && !fixture.exists("event_ingest_dedupe"))
    }

    @Test("a view, a foreign key, a trigger and functions that use the tables are listed and refuse the cleanup")
    func dependents() throws {
        let fixture = try Fixture()
        _ = try fixture.healthy()
        let other = fixture.target  // another schema, as a consumer elsewhere would be
        try fixture.db.execute("create schema \(SQL.quoteIdentifier(other))")
        try fixture.db.execute("create view \(SQL.qualifiedName(other, "recent_ids")) as select event_id from \(fixture.table("event_ingest_dedupe"))")
        let first = try expectRefused(fixture, by: "dependents")
        #expect(first.checks[3].evidence["dependent_objects"] == .list(["view \(other).recent_ids"]))

        try fixture.db.execute("drop view \(SQL.qualifiedName(other, "recent_ids"))")
        try fixture.db.execute("""
            create table \(SQL.qualifiedName(other, "audit")) (event_id text references \(fixture.table("event_ingest_dedupe")));
            create function \(SQL.qualifiedName(other, "touch"))() returns trigger language plpgsql as $$
            begin update \(fixture.table("kafka_offsets")) set updated_at = now(); return new; end $$;
            create trigger touch_offsets after insert on \(fixture.table("kafka_offsets")) for each row execute function \(SQL.qualifiedName(other, "touch"))();
            create function \(SQL.qualifiedName(other, "dedupe_size"))() returns bigint begin atomic select count(*) from \(fixture.table("event_ingest_dedupe")); end;
            create function \(SQL.qualifiedName(other, "peek"))() returns bigint language plpgsql as $$ begin return (select count(*) from kafka_offsets); end $$
            """)
        let second = try expectRefused(fixture, by: "dependents")
        guard case .list(let objects)? = second.checks[3].evidence["dependent_objects"] else {
            Issue.record("no dependent list")
            return
        }
        #expect(objects.contains("foreign key audit_event_id_fkey on \(other).audit"))
        #expect(objects.contains { $0.hasPrefix("trigger touch_offsets on kafka_offsets") })
        #expect(objects.contains("function \(other).touch()"))
        #expect(objects.contains("function \(other).dedupe_size()"))  // a SQL-standard body: found through pg_depend
        #expect(objects.count == 4)
        // A function elsewhere naming the table without this schema may mean another table: shown, not counted.
        #expect(second.checks[3].evidence["unqualified_mentions"] == .list(["function \(other).peek()"]))
    }
}
