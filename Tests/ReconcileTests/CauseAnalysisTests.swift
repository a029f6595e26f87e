import Lifestream
import Postgres
import TestSupport
import Testing
@testable import Reconcile

/// Differences explained from a hand-built event log (the backfill's own state schema).
@Suite("Cause analysis on the real server", .tags(.integration))
struct CauseAnalysisTests {
    /// One subject per cause (some with several, to check precedence), their rows made to
    /// differ in links, and one subject that differs in two tables.
    static func plant(_ fixture: DiffFixture) throws {
        try fixture.createStateSchema()
        // partial_before_create: content.fetched arrived before link.added.
        try fixture.event("p-1", "e2", .contentFetched, minute: 5, offset: 1)
        try fixture.event("p-1", "e1", .linkAdded, minute: 1, offset: 2)
        // partial, out of order and a differing duplicate at once: partial wins.
        try fixture.event("pc-2", "e3", .enrichmentCompleted, minute: 9, offset: 10)
        try fixture.event("pc-2", "e1", .linkAdded, minute: 1, offset: 11)
        try fixture.event("pc-2", "e2", .contentFetched, minute: 5, offset: 12)
        try fixture.duplicate("pc-2", "e2", offset: 13, samePayload: false)
        // out of order and a differing duplicate: the duplicate wins.
        try fixture.event("d-1", "e1", .linkAdded, minute: 1, offset: 20)
        try fixture.event("d-1", "e3", .enrichmentCompleted, minute: 9, offset: 21)
        try fixture.event("d-1", "e2", .contentFetched, minute: 5, offset: 22)
        try fixture.duplicate("d-1", "e3", offset: 23, samePayload: false)
        // out_of_order: content.fetched (earlier) arrived after publish.completed (later).
        try fixture.event("o-1", "e1", .linkAdded, minute: 1, offset: 30)
        try fixture.event("o-1", "e3", .publishCompleted, minute: 9, offset: 31)
        try fixture.event("o-1", "e2", .contentFetched, minute: 5, offset: 32)
        // out_of_order through a late duplicate of the creating event (same payload).
        try fixture.event("o-2", "e1", .linkAdded, minute: 1, offset: 40)
        try fixture.event("o-2", "e2", .contentFetched, minute: 5, offset: 41)
        try fixture.duplicate("o-2", "e1", offset: 42, samePayload: true)
        // out_of_order on the event_id tie-break: same instant, "ea" < "eb" arrived after "eb".
        try fixture.event("o-tie", "e0", .linkAdded, minute: 0, offset: 50)
        try fixture.event("o-tie", "eb", .contentFetched, minute: 5, offset: 51)
        try fixture.event("o-tie", "ea", .contentFetched, minute: 5, offset: 52)
        // missing_event: no events (m-1); in order but the row on one side only (m-2);
        // only a pending event, no creating one (m-3).
        try fixture.event("m-2", "e1", .linkAdded, minute: 1, offset: 60)
        try fixture.event("m-2", "e2", .contentFetched, minute: 5, offset: 61)
        try fixture.event("m-3", "e2", .contentFetched, minute: 5, offset: 70)
        // unexplained: in order, a same-payload duplicate of the latest event changes nothing.
        try fixture.event("u-1", "e1", .linkAdded, minute: 1, offset: 80)
        try fixture.event("u-1", "e2", .contentFetched, minute: 5, offset: 81)
        try fixture.duplicate("u-1", "e2", offset: 82, samePayload: true)
        // in order and equal: not a difference at all.
        try fixture.event("ok-1", "e1", .linkAdded, minute: 1, offset: 90)
        try fixture.link("ok-1")

        for subject in ["p-1", "pc-2", "d-1", "o-1", "o-2", "o-tie", "u-1"] {
            try fixture.link(subject, in: [fixture.left], status: "added")
            try fixture.link(subject, in: [fixture.right], status: "fetched")
        }
        try fixture.link("m-1", in: [fixture.left])
        try fixture.link("m-2", in: [fixture.right])
        try fixture.link("m-3", in: [fixture.left])
        let subject = "INSERT INTO {s}.subjects VALUES ($1, 'link', $2, '2024-01-01Z', '2024-01-01Z')"
        try fixture.onLeft(subject, ["m-2", "private"])
        try fixture.onRight(subject, ["m-2", "public"])
    }

    @Test("a subjects row differing only in created_at, its events in order, is the live column rule; with another column too it is unexplained",
          arguments: [false, true])
    func liveColumnRule(streaming: Bool) throws {
        try DiffFixture.with { fixture in
            try fixture.createStateSchema()
            for (subject, offset) in [("c-1", Int64(10)), ("c-2", Int64(20))] {
                try fixture.event(subject, "e1", .linkAdded, minute: 1, offset: offset)
                try fixture.event(subject, "e2", .contentFetched, minute: 5, offset: offset + 1)
            }
            let insert = "INSERT INTO {s}.subjects VALUES ($1, 'link', $2, $3::timestamptz, '2024-01-01Z')"
            try fixture.onLeft(insert, ["c-1", "private", "2024-01-01 00:05Z"])
            try fixture.onRight(insert, ["c-1", "private", "2024-01-01 00:01Z"])
            try fixture.onLeft(insert, ["c-2", "public", "2024-01-01 00:05Z"])
            try fixture.onRight(insert, ["c-2", "private", "2024-01-01 00:01Z"])
            let report = try DiffRunner.run(fixture.request(streaming: streaming, samples: 20, causes: true))
            let subjects = try #require(report.table("subjects"))
            let causes = Dictionary(uniqueKeysWithValues: subjects.samples.map { ($0.key[0].value, $0.cause) })
            #expect(causes == ["c-1": .liveColumnRule, "c-2": .unexplained])
            #expect(subjects.causes.map(\.rows) == [0, 0, 0, 0, 0, 1, 1])
        }
    }

    @Test("puts every differing subject in its category, with the documented precedence", arguments: [false, true])
    func categories(streaming: Bool) throws {
        try DiffFixture.with { fixture in
            try Self.plant(fixture)
            let report = try DiffRunner.run(fixture.request(streaming: streaming, samples: 20, causes: true))
            #expect(report.causes.status == .available)
            #expect(report.causes.stateSchema == fixture.state)
            let overall = report.causes.categories.map { [$0.cause.rawValue, String($0.subjects), String($0.rows)] }
            #expect(overall == [
                ["changed_without_events", "0", "0"], ["partial_before_create", "2", "2"], ["duplicate_different_payload", "1", "1"], ["out_of_order", "3", "3"],
                ["missing_event", "3", "3"], ["live_column_rule", "0", "0"], ["unexplained", "1", "2"],
            ])
            let links = try #require(report.table("links"))
            #expect(links.causes.map(\.rows) == [0, 2, 1, 3, 3, 0, 1])
            #expect(try #require(report.table("subjects")).causes.map(\.rows) == [0, 0, 0, 0, 0, 0, 1])
            #expect(try #require(report.table("todos")).causes.map(\.rows) == [0, 0, 0, 0, 0, 0, 0])

            let causes = Dictionary(uniqueKeysWithValues: links.samples.map { ($0.key[0].value, $0.cause) })
            #expect(causes == [
                "p-1": .partialBeforeCreate, "pc-2": .partialBeforeCreate, "d-1": .duplicateDifferentPayload,
                "o-1": .outOfOrder, "o-2": .outOfOrder, "o-tie": .outOfOrder,
                "m-1": .missingEvent, "m-2": .missingEvent, "m-3": .missingEvent, "u-1": .unexplained,
            ])
            let explanations = Dictionary(uniqueKeysWithValues: links.samples.map { ($0.key[0].value, $0.explanation ?? "") })
            #expect(explanations["p-1"] == "content.fetched e2 (partition:offset 0:1) arrived before its creating event "
                        + "link.added e1 (partition:offset 0:2)")
            #expect(explanations["o-tie"] == "content.fetched ea (partition:offset 0:52) arrived after the later "
                        + "content.fetched eb (partition:offset 0:51)")
            #expect(explanations["o-2"]?.hasPrefix("link.added e1 (partition:offset 0:42) arrived after the later content.fetched e2") == true)
            #expect(explanations["d-1"]?.contains("enrichment.completed e3 at partition:offset 0:23") == true)
            #expect(explanations["m-1"] == "the event log has no event of this subject")
            #expect(explanations["m-3"] == "the log has 1 event of this subject but not its creating event")
            #expect(explanations["m-2"]?.hasPrefix("the row is only on the right") == true)
        }
    }

    @Test("reads the same evidence whatever the chunk size")
    func chunking() throws {
        try DiffFixture.with { fixture in
            try Self.plant(fixture)
            let subjects = ["p-1", "pc-2", "d-1", "o-1", "o-2", "o-tie", "m-1", "m-2", "m-3", "u-1", "ok-1"].map(SubjectKey.init)
            var log = EventLog(connection: fixture.connection, schema: fixture.state)
            let whole = try log.evidence(for: subjects)
            log.chunkSize = 2
            #expect(try log.evidence(for: subjects) == whole)
            #expect(whole.count == 10)
            #expect(whole[SubjectKey("m-1")] == nil)
            #expect(whole[SubjectKey("pc-2")]?.lateArrivals == 1)
            #expect(whole[SubjectKey("pc-2")]?.differentDuplicates == 1)
            #expect(whole[SubjectKey("ok-1")].map { [$0.events, $0.creatingEvents, $0.lateArrivals] } == [1, 1, 0])
        }
    }

    @Test("reports causes as unavailable, not as an error, when there is no event log")
    func noStateSchema() throws {
        try DiffFixture.with { fixture in
            try fixture.link("x", in: [fixture.left])
            let report = try DiffRunner.run(fixture.request(streaming: false, causes: true))
            #expect(report.causes.status == .unavailable)
            #expect(report.causes.reason == "state schema \"\(fixture.state)\" does not exist in \(fixture.configuration.redactedURL)")
            #expect(report.table("links")?.onlyLeft == 1)
            #expect(report.table("links")?.samples.first?.cause == nil)

            try fixture.connection.execute("CREATE SCHEMA \(SQL.quoteIdentifier(fixture.state))")
            let empty = try DiffRunner.run(fixture.request(streaming: false, causes: true))
            #expect(empty.causes.reason?.contains("has no events and duplicates tables") == true)
        }
    }
}
