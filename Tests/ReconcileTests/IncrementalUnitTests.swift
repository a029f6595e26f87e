import Foundation
@testable import Reconcile
import Store
import Testing

/// The pure parts of incremental diffs, without a server.
@Suite("Incremental diff, pure parts")
struct IncrementalUnitTests {
    @Test("changed_without_events comes first: a subject quiet since the verified point changed outside the stream, whatever its history")
    func withoutEventsPrecedence() {
        var evidence = SubjectEvidence()
        evidence.events = 3
        evidence.creatingEvents = 1
        evidence.lateArrivals = 1
        evidence.lateArrival = (.init(eventID: "e1", eventType: "link.added", partition: 0, offset: 9),
                                .init(eventID: "e2", eventType: "content.fetched", partition: 0, offset: 8))
        #expect(CauseClassifier.classify(evidence, kind: .changed).cause == .outOfOrder)
        let quiet = CauseClassifier.classify(evidence, kind: .changed, withoutEventsSince: "verified point 3 (full diff of 2026-01-01T00:00:00Z)")
        #expect(quiet.cause == .changedWithoutEvents)
        #expect(quiet.explanation.contains("no record since verified point 3") && quiet.explanation.contains("changed the row"))
        #expect(CauseClassifier.classify(nil, kind: .onlyRight, withoutEventsSince: "p").explanation.contains("added or deleted the row"))
        #expect(DiffCause.allCases.first == .changedWithoutEvents)
        #expect(DiffCause(rawValue: "changed_without_events") == .changedWithoutEvents)
    }

    @Test("a rules file may name changed_without_events, and suggestions never accept it")
    func rulesKnowTheCause() throws {
        let rules = try VerdictRules.parse("""
            [causes.changed_without_events]
            limit = 3
            reason = "a known hand fix on the live table"
            """, path: "rules.toml")
        #expect(rules.causeRule(.changedWithoutEvents)?.limit == 3)
        #expect(RulesSuggestion.causeReason(.changedWithoutEvents).hasPrefix("EDIT"))
    }

    static func outcome(covered: [String]?, _ subjects: [(String, [String: (Int, DiffCause)])]) -> DiffOutcome {
        let divergences = subjects.map { subject, tables in
            SubjectDivergence(subject: subject, tables: tables.mapValues { changed, cause in
                var rows = SubjectDivergence.TableRows()
                rows.changed = changed
                rows.causes = [cause: changed]
                return rows
            }, cause: tables.values.map(\.1).min())
        }
        let report = DiffReport(generatedAt: Date(), mode: .sameDatabase, left: .init(schema: "l", database: "d"),
                                right: .init(schema: "r", database: "d"), tables: [], causes: .unavailable("test"),
                                maxDiffRows: 0, durationMilliseconds: 0)
        return DiffOutcome(report: report, subjects: divergences, differing: [], covered: covered, reached: nil, startedFrom: nil,
                           pair: VerifiedPair(leftSchema: "l", leftDatabase: "d", rightSchema: "r"))
    }

    @Test("running totals replace what an incremental diff covered, keep the rest, and start over with a full diff")
    func runningTotals() {
        var totals = DivergenceTotals()
        totals.apply(Self.outcome(covered: nil, [("a", ["links": (2, .outOfOrder)]), ("b", ["todos": (1, .missingEvent)])]))
        #expect(totals.subjects == 2 && totals.differences == 3)
        #expect(totals.rowsByTable == ["links": 2, "todos": 1])
        // A batch covering a and c: a now equal, c differs; b untouched stays.
        totals.apply(Self.outcome(covered: ["a", "c"], [("c", ["links": (1, .duplicateDifferentPayload), "subjects": (1, .liveColumnRule)])]))
        #expect(totals.divergence(of: "a") == nil)
        #expect(totals.rowsByTable == ["links": 1, "todos": 1, "subjects": 1])
        #expect(totals.rowsByCause == [.missingEvent: 1, .duplicateDifferentPayload: 1, .liveColumnRule: 1])
        #expect(totals.subjectsByCause == [.missingEvent: 1, .duplicateDifferentPayload: 1])
        #expect(totals.rowsByTableAndCause["links"] == [.duplicateDifferentPayload: 1])
        totals.apply(Self.outcome(covered: nil, []))
        #expect(totals.subjects == 0 && totals.rowsByTable.isEmpty)
    }

    @Test("the scope sentence says what was compared and what only a full diff finds")
    func scopeSentence() {
        var scope = DiffScope(kind: .incremental, withoutEventsAssessed: true)
        scope.since = "at or after the checkpoint of verified point 4 (full diff of 2026-01-01T00:00:00Z)"
        scope.subjects = 12
        scope.touched = 10
        scope.carried = 2
        scope.records = 40
        scope.unattributedRecords = 1
        scope.verifiedPoint = "verified point 4 (full diff of 2026-01-01T00:00:00Z)"
        #expect(scope.sentence.hasPrefix("Incremental diff: only the rows of 12 subjects: 10 with records at or after the checkpoint of verified point 4"))
        #expect(scope.sentence.contains("2 that differed at verified point 4"))
        #expect(scope.sentence.contains("1 quarantined record after the checkpoint name no subject"))
        #expect(scope.line == "incremental, 12 subjects (10 touched, 2 carried) at or after the checkpoint of verified point 4 (full diff of 2026-01-01T00:00:00Z)")
        var full = DiffScope.full
        full.withoutEventsNote = "no verified point yet"
        #expect(full.sentence == "Full diff: every row of every table. changed_without_events was not assessed: no verified point yet.")
    }

    @Test("the JSON report carries the scope in snake_case and reads back; a report without one is a full diff")
    func scopeInJSON() throws {
        var scope = DiffScope(kind: .incremental)
        scope.since = "at or after checkpoint m.json"
        scope.checkpoint = [.init(partition: 0, end: 12)]
        scope.subjects = 3
        scope.unattributedRecords = 1
        let report = DiffReport(generatedAt: Date(timeIntervalSince1970: 1_800_000_000), mode: .sameDatabase, left: .init(schema: "l", database: "d"),
                                right: .init(schema: "r", database: "d"), tables: [], causes: .unavailable("test"),
                                maxDiffRows: 0, durationMilliseconds: 0, scope: scope)
        let json = try JSONReport.render(report)
        for key in ["\"kind\" : \"incremental\"", "\"unattributed_records\" : 1", "\"without_events_assessed\" : false", "\"format_version\" : 1"] {
            #expect(json.contains(key), "missing \(key)")
        }
        #expect(try JSONReport.decode(Data(json.utf8)) == report)
        #expect(MarkdownReport.render(report).contains("**Match**: the rows of the 3 subjects compared are identical in all 0 tables."))
        var old = report
        old.scope = nil
        #expect(MarkdownReport.render(old).contains("Full diff: every row of every table."))
    }

    @Test("a quarantined record names its value's subject_id, else its key; nothing usable names no subject")
    func attribution() {
        func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
        #expect(TouchedSubjects.attributedSubject(key: bytes("k"), value: bytes(#"{"subject_id":"s-1","event_id":7}"#)) == "s-1")
        #expect(TouchedSubjects.attributedSubject(key: bytes("k"), value: bytes(#"{"subject_id":7}"#)) == "k")
        #expect(TouchedSubjects.attributedSubject(key: bytes("k"), value: bytes("{broken")) == "k")
        #expect(TouchedSubjects.attributedSubject(key: nil, value: bytes(#"{"subject_id":""}"#)) == nil)
        #expect(TouchedSubjects.attributedSubject(key: [0xFF, 0xFE], value: nil) == nil)
        #expect(TouchedSubjects.attributedSubject(key: bytes("a\u{0}b"), value: nil) == nil)
        // Canonically equivalent ids stay apart, in byte order.
        #expect(TouchedSubjects.sortedByBytes(["e\u{301}", "\u{e9}", "e\u{301}", "a"]) == ["a", "e\u{301}", "\u{e9}"])
    }
}
