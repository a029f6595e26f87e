@testable import Backfill
import Lifestream
import Testing

/// The batching policy of a materialize pass, without PostgreSQL: what `EventLogReader` feeds
/// it is events in subject order.
@Suite("Fold batching")
struct FoldBatcherTests {
    static func todo(_ subject: String, _ id: String, minute: Int64, completed: Bool = false) -> Event {
        Event(eventID: id, type: completed ? .todoCompleted : .todoCreated,
              occurredAt: Timestamp(microseconds: 1_767_225_600_000_000 + minute * 60_000_000), subjectID: subject, source: nil,
              payload: completed ? .todoCompleted : .todoCreated(title: "t", notes: nil, dueAt: nil))
    }

    /// Feeds `subjects` (each `eventsEach` events of `bytes` payload bytes) and returns the batches.
    static func batches(_ batcher: inout FoldBatcher, subjects: Int, eventsEach: Int, bytes: Int = 10) -> [WriteJob] {
        var jobs: [WriteJob] = []
        for s in 0..<subjects {
            let id = "t\(s)"
            if let full = batcher.begin(subject: id) { jobs.append(full) }
            for e in 0..<eventsEach {
                batcher.add(todo(id, "e\(e)", minute: Int64(e), completed: e > 0), payloadBytes: bytes)
            }
        }
        if let full = batcher.endOfInput() { jobs.append(full) }
        if let rest = batcher.flush() { jobs.append(rest) }
        return jobs
    }

    @Test("a batch ends at its subject, byte or event limit, never inside a subject, and every subject comes once in order")
    func limits() {
        for (limits, expected) in [
            (FoldBatcher.Limits(subjects: 3, payloadBytes: .max, events: .max), [3, 3, 3, 1]),
            (FoldBatcher.Limits(subjects: .max, payloadBytes: 45, events: .max), [3, 3, 3, 1]),  // 20 bytes a subject
            (FoldBatcher.Limits(subjects: .max, payloadBytes: .max, events: 5), [3, 3, 3, 1]),   // 2 events a subject
        ] {
            var batcher = FoldBatcher(limits: limits, settlesDuplicates: false)
            let jobs = Self.batches(&batcher, subjects: 10, eventsEach: 2)
            #expect(jobs.map(\.ids.count) == expected)
            #expect(jobs.flatMap(\.ids) == (0..<10).map { "t\($0)" })
            #expect(jobs.allSatisfy { $0.rows.count == $0.ids.count })
            #expect(jobs.flatMap(\.rows).allSatisfy { $0.todo?.status == "done" })
        }
    }

    @Test("a subject that reaches the large-subject limit is set aside whole, its events not kept, and the others batch as usual")
    func largeSubjects() {
        var batcher = FoldBatcher(limits: .init(subjects: 100, largeSubject: 3), settlesDuplicates: false)
        var jobs: [WriteJob] = []
        for (id, count) in [("a", 2), ("big", 5), ("c", 1)] {
            if let full = batcher.begin(subject: id) { jobs.append(full) }
            for e in 0..<count {
                batcher.add(Self.todo(id, "e\(e)", minute: Int64(e), completed: e > 0), payloadBytes: 1)
                #expect(batcher.isSkippingSubject == (id == "big" && e >= 2))
            }
        }
        if let full = batcher.endOfInput() { jobs.append(full) }
        if let rest = batcher.flush() { jobs.append(rest) }
        #expect(batcher.large == ["big"])
        #expect(jobs.flatMap(\.ids) == ["a", "c"])
    }

    @Test("in a bulk pass a subject's records of one event are settled: the lowest partition and offset wins, the others are listed")
    func duplicatesSettled() {
        var batcher = FoldBatcher(limits: .init(), settlesDuplicates: true)
        _ = batcher.begin(subject: "t1")
        let created = Self.todo("t1", "e1", minute: 0)
        batcher.add(created, payloadBytes: 1, origin: LogPosition(partition: 0, offset: 9, tid: "(0,9)"))
        batcher.add(created, payloadBytes: 1, origin: LogPosition(partition: 0, offset: 2, tid: "(0,2)"))
        batcher.add(Self.todo("t1", "e2", minute: 1, completed: true), payloadBytes: 1, origin: LogPosition(partition: 0, offset: 3, tid: "(0,3)"))
        _ = batcher.endOfInput()
        let job = batcher.flush()
        #expect(job?.duplicates.map(\.loser) == ["(0,9)"])
        #expect(job?.duplicates.map(\.winner) == ["(0,2)"])
        #expect(job?.rows.first?.todo?.status == "done")
    }

    @Test("events of one instant are folded in event-id order, whatever order they came in")
    func equalInstants() {
        var batcher = FoldBatcher(limits: .init(), settlesDuplicates: false)
        _ = batcher.begin(subject: "t1")
        // Same minute: "b" (completed) orders after "a" (created), so the todo is done.
        batcher.add(Self.todo("t1", "b", minute: 5, completed: true), payloadBytes: 1)
        batcher.add(Self.todo("t1", "a", minute: 5), payloadBytes: 1)
        _ = batcher.endOfInput()
        #expect(batcher.flush()?.rows.first?.todo?.status == "done")
    }
}
