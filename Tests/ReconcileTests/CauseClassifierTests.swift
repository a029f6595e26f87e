import Testing
@testable import Reconcile

@Suite("Cause classification")
struct CauseClassifierTests {
    static let linkAdded = SubjectEvidence.Arrival(eventID: "e1", eventType: "link.added", partition: 0, offset: 9)
    static let fetched = SubjectEvidence.Arrival(eventID: "e2", eventType: "content.fetched", partition: 0, offset: 7)

    static func evidence(
        events: Int = 3, creating: Int = 1, partial: Bool = false, duplicates: Int = 0, late: Int = 0
    ) -> SubjectEvidence {
        var evidence = SubjectEvidence()
        evidence.events = events
        evidence.creatingEvents = creating
        if partial { evidence.partialBeforeCreate = (fetched, linkAdded) }
        evidence.differentDuplicates = duplicates
        if duplicates > 0 { evidence.differentDuplicate = fetched }
        evidence.lateArrivals = late
        if late > 0 { evidence.lateArrival = (fetched, linkAdded) }
        return evidence
    }

    @Test("applies the documented precedence when several causes hold")
    func precedence() {
        let all = Self.evidence(partial: true, duplicates: 2, late: 3)
        #expect(CauseClassifier.classify(all, kind: .changed).cause == .partialBeforeCreate)
        #expect(CauseClassifier.classify(Self.evidence(duplicates: 1, late: 1), kind: .changed).cause == .duplicateDifferentPayload)
        #expect(CauseClassifier.classify(Self.evidence(late: 1), kind: .onlyLeft).cause == .outOfOrder)
        #expect(CauseClassifier.classify(Self.evidence(creating: 0, late: 1), kind: .onlyLeft).cause == .outOfOrder)
        #expect(DiffCause.allCases == [.changedWithoutEvents, .partialBeforeCreate, .duplicateDifferentPayload, .outOfOrder, .missingEvent, .liveColumnRule, .unexplained])
        #expect(CauseClassifier.classify(Self.evidence(late: 1), kind: .changed, liveColumnRule: true).cause == .outOfOrder)
        #expect(DiffCause.partialBeforeCreate < DiffCause.unexplained)
    }

    @Test("calls a subject without events, without its creating event, or on one side only a missing event")
    func missingEvent() {
        #expect(CauseClassifier.classify(nil, kind: .changed).cause == .missingEvent)
        #expect(CauseClassifier.classify(Self.evidence(events: 0, creating: 0), kind: .changed).cause == .missingEvent)
        #expect(CauseClassifier.classify(Self.evidence(creating: 0), kind: .changed).cause == .missingEvent)
        #expect(CauseClassifier.classify(Self.evidence(), kind: .onlyLeft).cause == .missingEvent)
        #expect(CauseClassifier.classify(Self.evidence(), kind: .onlyRight).cause == .missingEvent)
        #expect(CauseClassifier.classify(Self.evidence(), kind: .changed).cause == .unexplained)
        #expect(CauseClassifier.classify(Self.evidence(), kind: .changed, liveColumnRule: true).cause == .liveColumnRule)
        #expect(CauseClassifier.classify(Self.evidence(), kind: .onlyLeft, liveColumnRule: true).cause == .missingEvent)
    }

    @Test("names the events behind the cause")
    func explanations() {
        let partial = CauseClassifier.classify(Self.evidence(partial: true), kind: .changed).explanation
        #expect(partial == "content.fetched e2 (partition:offset 0:7) arrived before its creating event link.added e1 (partition:offset 0:9)")
        let late = CauseClassifier.classify(Self.evidence(late: 2), kind: .changed).explanation
        #expect(late.contains("content.fetched e2") && late.contains("after the later link.added e1") && late.contains("1 more"))
        let duplicate = CauseClassifier.classify(Self.evidence(duplicates: 1), kind: .changed).explanation
        #expect(duplicate.contains("0:7") && duplicate.contains("different payload"))
    }
}
