import Foundation
import Lifestream
import Postgres
@testable import Reconcile
import Store
import Testing
import TestSupport

/// Diffs since a recorded verified point, and rows written outside the event stream.
@Suite("Verified points and changed_without_events", .tags(.integration))
struct VerifiedPointTests {
    /// Subjects with a row in `table` on both sides that no record after the last cut names and
    /// that did not differ at `point`: their rows can only change outside the event stream.
    static func quietSubjects(_ history: IncrementalHistory, table: String, excluding: Set<String>, count: Int) throws -> [String] {
        let db = try PostgresConnection.connect(history.shadowDatabase)
        defer { db.close() }
        let rows = try db.query("select subject_id from \(SQL.qualifiedName(history.shadow, table)) order by subject_id")
        let shadowSubjects = try rows.map { try $0.decode("subject_id", as: String.self) }.filter { !excluding.contains($0) }
        return Array(shadowSubjects.prefix(count))
    }

    @Test("a row written outside the event stream is missed by the incremental diff and found by the full one as changed_without_events, which later incremental diffs keep")
    func plantedChange() throws {
        let history = try IncrementalHistory(prefix: "cwe")
        defer { history.drop() }
        let records = IncrementalHistory.records(events: 3_000, subjects: 300, seed: 42)
        try history.stage(records[..<2_600])
        try history.replayLive()
        let points = VerifiedPoints(state: StateSchema(name: history.state))
        let db = try PostgresConnection.connect(history.shadowDatabase)
        defer { db.close() }

        // The first full diff has nothing to judge changed_without_events against, and says so.
        let first = try DiffRunner.outcome(of: history.request())
        #expect(first.report.scope?.kind == .full)
        #expect(first.report.scope?.withoutEventsAssessed == false)
        #expect(first.report.scope?.withoutEventsNote?.contains("no verified point") == true)
        #expect(first.report.causes.count(.changedWithoutEvents)?.rows == 0)
        var request = history.request()
        request.selection = .sinceVerified(stateSchema: history.state)
        let none = #expect(throws: ReconcileError.self) { try DiffRunner.outcome(of: request) }
        #expect(none?.code == .incrementalUnavailable)
        let p1 = try points.record(try #require(first.verifiedEntry), toolVersion: "test", db: db)
        #expect(p1.scope == .full && p1.checkpoint.ends == history.cuts[0].ends && p1.differingSubjects == Int64(first.differing.count))
        #expect(first.differing.count > 0)

        try history.stage(records[2_600...])
        try history.replayLive()
        // Since the point: the subjects with records after its checkpoint, and those that differed there.
        let carried = Set(first.differing.map(\.subject))
        let expected = TouchedSubjects.sortedByBytes(history.touched(since: history.cuts[0]) + carried)
        let incremental = try DiffRunner.outcome(of: request)
        #expect(Bool(incremental.covered == expected), "\(IncrementalDiffTests.brief(incremental.covered ?? [], expected))")
        #expect(incremental.startedFrom == p1)
        let restricted = try history.fullDiff(restrictedTo: expected)
        for (table, full) in zip(incremental.report.findings().tables, restricted.findings().tables) {
            #expect(Bool(table == full), "table \(table.name): \(IncrementalDiffTests.brief(table)) vs \(IncrementalDiffTests.brief(full))")
        }
        #expect(incremental.report.findings().causes == restricted.findings().causes)

        // Two writes outside the event stream, to subjects without records since the point and
        // equal there: a changed title and a deleted todo.
        let untouched = Set(expected)
        let changed = try #require(try Self.quietSubjects(history, table: "links", excluding: untouched, count: 1).first)
        let deleted = try #require(try Self.quietSubjects(history, table: "todos", excluding: untouched, count: 1).first)
        try history.execute("update \(SQL.qualifiedName(history.live, "links")) set title = 'written by hand' where subject_id = $1",
                            on: history.liveDatabase, [.text(changed)])
        try history.execute("delete from \(SQL.qualifiedName(history.live, "todos")) where subject_id = $1",
                            on: history.liveDatabase, [.text(deleted)])

        let missed = try DiffRunner.outcome(of: request)
        #expect(missed.subjects.allSatisfy { $0.subject != changed && $0.subject != deleted })
        #expect(missed.report.totals == incremental.report.totals)
        #expect(missed.report.causes.count(.changedWithoutEvents)?.rows == 0)

        let found = try DiffRunner.outcome(of: history.request())
        #expect(found.report.scope?.withoutEventsAssessed == true)
        #expect(found.report.scope?.verifiedPoint == p1.described)
        let withoutEvents = found.subjects.filter { $0.cause == .changedWithoutEvents }.map(\.subject).sorted()
        #expect(withoutEvents == [changed, deleted].sorted())
        #expect(found.report.causes.count(.changedWithoutEvents) == CauseCount(cause: .changedWithoutEvents, rows: 2, subjects: 2))
        #expect(found.report.table("links")?.causes.first { $0.cause == .changedWithoutEvents }?.rows == 1)
        #expect(found.report.table("todos")?.causes.first { $0.cause == .changedWithoutEvents }?.rows == 1)
        // Everything else is what the incremental diff found: the full diff adds exactly the two rows.
        #expect(found.report.totals.differences == incremental.report.totals.differences + 2)
        let markdown = MarkdownReport.render(found.report)
        #expect(markdown.contains("`changed_without_events` | 2 | 2 |"))

        // Recorded, the next incremental diff compares them again and keeps their cause.
        let p2 = try points.record(try #require(found.verifiedEntry), toolVersion: "test", db: db)
        #expect(try points.differing(at: p1, db: db).isEmpty)  // only the newest point keeps its list
        let again = try DiffRunner.outcome(of: request)
        #expect(again.startedFrom == p2)
        #expect(again.report.scope?.carried ?? 0 >= 2)
        #expect(again.report.causes.count(.changedWithoutEvents) == CauseCount(cause: .changedWithoutEvents, rows: 2, subjects: 2))

        // A run that read records before the point's checkpoint makes an incremental diff unsound.
        try history.execute("""
            insert into \(SQL.qualifiedName(history.state, "runs")) (run_id, plan, status, finished_at)
            values ('run-gap', $1::jsonb, 'complete', now() + interval '1 second')
            """, [.text(#"{"topic":"\#(history.topic)","ranges":[{"partition":0,"start":0,"end":5}]}"#)])
        let gap = #expect(throws: ReconcileError.self) { try DiffRunner.outcome(of: request) }
        #expect(gap?.code == .incrementalUnavailable && gap?.message.contains("run-gap") == true)
        #expect(try DiffRunner.outcome(of: history.request()).report.scope?.withoutEventsAssessed == false)
    }
}
