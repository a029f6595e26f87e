import Backfill
import Foundation
import Lifestream
import Logging
import Store
import Synchronization
import TestSupport
import Testing

@Suite("Backfill against the contract", .serialized, .tags(.integration))
struct CanonicalStateTests {
    @Test("a damaged stream rebuilds to exactly the oracle's canonical state, with every count adding up, by bulk load and per batch",
          arguments: [true, false])
    func canonicalState(bulkLoad: Bool) throws {
        let harness = try Harness(prefix: "canon")
        defer { harness.dropSchemas() }
        let records = Array(EventGenerator(options: .damaged(events: 6_000, subjects: 500, seed: 11)))
        try harness.produce(records)

        let manifest = try harness.run(bulkLoad: bulkLoad)
        #expect(try harness.scalar("select bulk from \(harness.stateSchema).runs") == (bulkLoad ? "t" : "f"))
        #expect(try harness.scalar("select count(*) from \(harness.stateSchema).duplicates") == String(manifest.counts.duplicate))
        #expect(try harness.scalar("select new_events from \(harness.stateSchema).runs") == String(manifest.counts.valid))
        #expect(try harness.scalar("select count(*) from \(harness.stateSchema).events") == String(manifest.counts.valid))
        // A bulk load turns autovacuum off on the log while it loads and back on when it settles,
        // and fills its pages to the brim; either way the log then appends (state step 5).
        #expect(try harness.scalar("select coalesce(array_to_string(reloptions, ','), '') from pg_class where oid = '\(harness.stateSchema).events'::regclass") == "fillfactor=90")
        let expected = CanonicalOracle.evaluate(harness.produced)
        let actual = try harness.state()
        #expect(differences(actual, expected.state) == [])
        #expect(expected.state.rowCount > 1_000)

        let c = manifest.counts
        #expect(c.read == Int64(records.count))
        #expect(c.read == c.valid + c.duplicate + c.quarantined)
        #expect(c.quarantined == Int64(expected.quarantined.count))
        #expect(c.duplicate == Int64(expected.duplicates))
        #expect(c.valid == Int64(expected.valid - expected.duplicates))
        #expect(c.pending == Int64(expected.pending))
        #expect(expected.pending > 0 && expected.duplicates > 0 && !expected.quarantined.isEmpty)

        let reasons = expected.quarantined.map { "\($0.partition)/\($0.offset) \($0.reason)" }.sorted()
        #expect(try harness.quarantine() == reasons.sorted { a, b in
            let pa = a.split(separator: " ")[0].split(separator: "/").map { Int($0)! }
            let pb = b.split(separator: " ")[0].split(separator: "/").map { Int($0)! }
            return pa.lexicographicallyPrecedes(pb)
        })
    }

    @Test("materialize batches end at a payload-byte budget as well as a subject count, and the tables are the same")
    func materializeBatchesCutByPayloadBytes() throws {
        let harness = try Harness(prefix: "mbytes")
        defer { harness.dropSchemas() }
        try harness.produce(Array(EventGenerator(options: .damaged(events: 3_000, subjects: 300, seed: 13))))
        var options = harness.options(bounds: RunBounds(start: .beginning, end: .latest))
        options.materializeBatchSubjects = 100_000  // never the reason a batch ends here
        options.materializeBatchPayloadBytes = 20_000
        let batches = Counter()
        let runner = BackfillRunner(kafka: harness.kafka, postgres: harness.postgres, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        runner.onProgress = { progress in
            if case .materialized = progress { batches.add() }
        }
        _ = try runner.run(options)
        // ~2,000 logged non-reading events of a few hundred bytes each: dozens of 20 kB batches.
        #expect(batches.value > 10)
        #expect(differences(try harness.state(), CanonicalOracle.evaluate(harness.produced).state) == [])
    }

    @Test("a bulk rebuild that folds its large subjects on their own afterwards (sensors streamed) gives the oracle's state and the same counts")
    func largeSubjectsFoldedAfterThePass() throws {
        let records = Array(EventGenerator(options: .damaged(events: 6_000, subjects: 400, seed: 17)))
        let whole = try Harness(prefix: "lwhole")
        let split = try Harness(prefix: "lsplit")
        defer { whole.dropSchemas(); split.dropSchemas() }
        try whole.produce(records)
        try split.produce(records)
        let reference = try whole.run()
        var options = split.options(bounds: RunBounds(start: .beginning, end: .latest))
        options.largeSubjectEvents = 6  // most subjects: sensors streamed, links and todos folded whole afterwards
        let runner = BackfillRunner(kafka: split.kafka, postgres: split.postgres, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let manifest = try runner.run(options)
        #expect(differences(try split.state(), CanonicalOracle.evaluate(split.produced).state) == [])
        #expect(manifest.counts.duplicate == reference.counts.duplicate && manifest.counts.duplicate > 0)
        #expect(manifest.counts.pending == reference.counts.pending)
        #expect(manifest.counts.valid == reference.counts.valid)
        #expect(manifest.counts.rowsWritten == reference.counts.rowsWritten)
        #expect(try split.scalar("select count(*) from \(split.stateSchema).duplicates") == String(manifest.counts.duplicate))
        #expect(try split.scalar("select count(*) from \(split.stateSchema).events") == String(manifest.counts.valid))
    }

    @Test("the same events in another arrival order give identical tables")
    func arrivalOrderIndependence() throws {
        var options = GeneratorOptions.damaged(events: 3_000, subjects: 300, seed: 21)
        options.duplicateWithDifferentPayloadRate = 0  // with differing duplicates the first arrival legitimately wins
        let first = try Harness(prefix: "order")
        let second = try Harness(prefix: "order")
        defer { first.dropSchemas(); second.dropSchemas() }
        try first.produce(Array(EventGenerator(options: options)))
        options.arrivalSeed = 99
        let reordered = Array(EventGenerator(options: options))
        try second.produce(reordered)
        #expect(first.produced.map(\.value) != second.produced.map(\.value))

        try first.run()
        try second.run()
        let a = try first.state(), b = try second.state()
        #expect(differences(a, b) == [])
        #expect(a.rowCount > 500)
    }

    @Test("a history cut into 1 to 5 chained runs gives the tables of one run", arguments: [1, 2, 3, 5])
    func cutIndependence(cuts: Int) throws {
        let records = Array(EventGenerator(options: .damaged(events: 2_500, subjects: 250, seed: 31)))
        let harness = try Harness(prefix: "cut")
        defer { harness.dropSchemas() }
        var manifest: RunManifest?
        var total = RunManifest.Counts()
        let size = (records.count + cuts - 1) / cuts
        for start in stride(from: 0, to: records.count, by: size) {
            try harness.produce(Array(records[start..<min(start + size, records.count)]))
            let m = try manifest.map { try harness.runAfter($0) } ?? harness.run()
            #expect(m.ranges.reduce(0) { $0 + $1.count } == Int64(min(start + size, records.count) - start))
            total.read += m.counts.read
            total.duplicate += m.counts.duplicate
            total.quarantined += m.counts.quarantined
            manifest = m
        }
        let expected = CanonicalOracle.evaluate(harness.produced)
        let actual = try harness.state()
        #expect(differences(actual, expected.state) == [])
        #expect(total.read == Int64(records.count))
        #expect(total.duplicate == Int64(expected.duplicates))
        #expect(total.quarantined == Int64(expected.quarantined.count))
    }

    @Test("a partial event whose creating event arrives in a later run takes effect in that run")
    func pendingTakesEffectLater() throws {
        let harness = try Harness(prefix: "pending")
        defer { harness.dropSchemas() }
        func record(_ json: String) -> GeneratedRecord {
            GeneratedRecord(partition: 0, key: Array("link-1".utf8), value: Array(json.utf8), timestamp: 1_767_225_600_000, quarantineReason: nil)
        }
        try harness.produce([record(#"{"event_id":"e2","event_type":"content.fetched","occurred_at":"2026-01-01T00:00:05Z","subject_id":"link-1","payload":{"http_status":200,"word_count":3}}"#)])
        let first = try harness.run()
        #expect(first.counts.pending == 1)
        #expect(try harness.state().rowCount == 0)

        try harness.produce([record(#"{"event_id":"e1","event_type":"link.added","occurred_at":"2026-01-01T00:00:01Z","subject_id":"link-1","payload":{"url":"https://example.org"}}"#)])
        let second = try harness.runAfter(first)
        #expect(second.counts.pending == 0)
        let state = try harness.state()
        #expect(state.tables["links"]?["link-1"]?["status"] == .text("fetched"))
        #expect(state.tables["link_content"]?["link-1"]?["word_count"] == .integer(3))
        #expect(differences(state, CanonicalOracle.evaluate(harness.produced).state) == [])
    }

    @Test("running the same bounds again changes nothing and says so")
    func idempotentRerun() throws {
        let harness = try Harness(prefix: "again")
        defer { harness.dropSchemas() }
        try harness.produce(Array(EventGenerator(options: .damaged(events: 2_000, subjects: 200, seed: 41))))
        let first = try harness.run()
        let before = try harness.state()
        let second = try harness.run()
        #expect(differences(try harness.state(), before) == [])
        #expect(first.counts.rowsWritten.values.reduce(0, +) > 0)
        #expect(second.counts.rowsWritten.values.reduce(0, +) == 0)
        #expect(second.counts.subjectsRefolded == 0)
        #expect(second.counts.read == first.counts.read)
        #expect(second.counts.quarantined == first.counts.quarantined)
    }
}

/// Counts calls from any thread (progress arrives on the materializer's writer thread).
final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
