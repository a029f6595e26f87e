import Daemon
@testable import Embeddings
import Foundation
import Kafka
import Testing

@Suite("Embedding follower pieces without servers")
struct FollowUnitTests {
    static func record(_ partition: Int32, _ offset: Int64, _ value: String?, timestamp: Int64? = 1_000) -> KafkaRecord {
        KafkaRecord(topic: "t", partition: partition, offset: offset, timestamp: timestamp, key: nil, value: value.map { Array($0.utf8) }, headers: [])
    }

    @Test("a gathered batch keeps the newest text per id, quarantines what breaks the contract, and counts every record")
    func pendingBatch() {
        var pending = PendingBatch()
        let start = ContinuousClock.now
        pending.add(Self.record(0, 10, #"{"id":"a","text":"one"}"#, timestamp: 5), at: start)
        pending.add(Self.record(1, 3, "not json"), at: start + .milliseconds(5))
        pending.add(Self.record(0, 11, #"{"id":"a","text":"two"}"#), at: start + .milliseconds(10))
        pending.add(Self.record(1, 4, #"{"id":"b","text":"bee"}"#, timestamp: 9), at: start + .milliseconds(20))
        #expect(pending.records == 4)
        #expect(pending.valid == 3)
        #expect(pending.firstArrival == start)
        #expect(pending.candidates.map(\.text) == ["two", "bee"])
        #expect(pending.firstRecords == [0: RecordMark(offset: 10, timestamp: 5), 1: RecordMark(offset: 3, timestamp: 1_000)])
        let toEmbed = pending.candidates.filter { $0.id == "b" }
        let batch = pending.batch(sequence: 7, toEmbed: toEmbed, positions: [0: 12, 1: 5], at: start)
        #expect(batch.counts == FollowBatch.Counts(records: 4, valid: 3, superseded: 1, current: 1))
        #expect(batch.quarantined.map(\.offset) == [3])
        #expect(batch.producedAt == [9])
        #expect(batch.positions == [0: 12, 1: 5])
    }

    @Test("a full batch is cut at once; a partial one after the linger and only while a worker is free")
    func cutRule() {
        let rule = CutRule(batchSize: 3, concurrency: 2, linger: .milliseconds(100))
        let t0 = ContinuousClock.now
        var pending = PendingBatch()
        #expect(!rule.shouldCut(pending, outstanding: 0, now: t0))
        pending.add(Self.record(0, 0, #"{"id":"a","text":"x"}"#), at: t0)
        #expect(!rule.shouldCut(pending, outstanding: 0, now: t0 + .milliseconds(50)))
        #expect(rule.shouldCut(pending, outstanding: 1, now: t0 + .milliseconds(100)))
        // Every worker busy: the partial batch keeps growing.
        #expect(!rule.shouldCut(pending, outstanding: 2, now: t0 + .seconds(5)))
        #expect(rule.room(pending) == 2)
        pending.add(Self.record(0, 1, #"{"id":"b","text":"x"}"#), at: t0)
        pending.add(Self.record(0, 2, "bad"), at: t0)
        #expect(rule.shouldCut(pending, outstanding: 2, now: t0))
        #expect(rule.room(pending) == 1)
    }

    @Test("the lag in seconds is measured from the oldest record read and not committed, also across a lost session")
    func oldestUnapplied() {
        let progress = FollowProgress()
        progress.started(at: [0: 0, 1: 0])
        progress.gathering([0: RecordMark(offset: 0, timestamp: 100)])
        var pending = PendingBatch()
        pending.add(Self.record(0, 0, #"{"id":"a","text":"x"}"#, timestamp: 100), at: .now)
        let first = pending.batch(sequence: 0, toEmbed: [], positions: [0: 1, 1: 0], at: .now)
        progress.cut(first)
        progress.gathering([0: RecordMark(offset: 1, timestamp: 200), 1: RecordMark(offset: 0, timestamp: 150)])
        #expect(progress.oldestUnapplied() == [0: 100, 1: 150])
        progress.committed(first)
        #expect(progress.committed == [0: 1, 1: 0])
        #expect(progress.oldestUnapplied() == [0: 200, 1: 150])
        progress.sessionEnded()
        #expect(progress.oldestUnapplied() == [0: 200, 1: 150])
        var later = PendingBatch()
        later.add(Self.record(0, 1, #"{"id":"b","text":"y"}"#, timestamp: 200), at: .now)
        let second = later.batch(sequence: 0, toEmbed: [], positions: [0: 2, 1: 1], at: .now)
        progress.cut(second)
        progress.committed(second)
        #expect(progress.oldestUnapplied().isEmpty)
    }

    @Test("batches commit in the order they were cut, whatever order the workers finish in, and none after one given up")
    func pipelineOrder() throws {
        let stop = StopToken()
        let pipeline = FollowPipeline(capacity: 4, workers: 2, processStop: stop)
        func batch(_ sequence: Int, _ id: String) -> FollowBatch {
            FollowBatch(sequence: sequence, toEmbed: [TextMessage(id: id, text: "t\(sequence)", partition: 0, offset: Int64(sequence))],
                        quarantined: [], positions: [0: Int64(sequence + 1)], firstRecords: [:], producedAt: [nil],
                        counts: .init(), cutAt: .now)
        }
        for sequence in 0..<4 { try pipeline.push(batch(sequence, "id\(sequence % 2)")) }
        #expect(pipeline.inFlightTexts(["id0", "id1", "other"]) == ["id0": "t2", "id1": "t3"])
        let taken = (0..<4).compactMap { _ in pipeline.take() }
        #expect(taken.map(\.sequence) == [0, 1, 2, 3])
        pipeline.finish(.embedded(taken[1], .init()))
        pipeline.finish(.embedded(taken[0], .init()))
        pipeline.finish(.abandoned(sequence: 2))
        pipeline.finish(.embedded(taken[3], .init()))
        pipeline.close()
        var committed: [Int] = []
        while let (next, _) = pipeline.nextToCommit() {
            committed.append(next.sequence)
            pipeline.committed(next)
        }
        #expect(committed == [0, 1])
        #expect(pipeline.inFlightTexts(["id0", "id1"]) == ["id0": "t2", "id1": "t3"])
    }
}
