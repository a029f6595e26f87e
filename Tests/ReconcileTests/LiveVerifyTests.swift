import Foundation
import Kafka
@testable import Reconcile
import TestSupport
import Testing

@Suite("Live verification")
struct VerifyCursorTests {
    @Test("records are ready once both the follower and the live group are past them, never before what was judged")
    func readyIsTheLowerOfBoth() {
        var cursor = VerifyCursor(start: [0: 10, 1: 10])
        #expect(!cursor.hasReadyRecords)
        cursor.followerApplied([0: 50, 1: 40])
        cursor.liveCommitted([0: 30, 1: nil])
        #expect(cursor.ready == [0: 30, 1: 10])
        #expect(cursor.hasReadyRecords)
        #expect(cursor.liveBehind == 20 + 30)
        cursor.judged(upTo: cursor.ready)
        #expect(cursor.verified == [0: 30, 1: 10])
        #expect(!cursor.hasReadyRecords)
        // The live group ahead of the follower: only what the follower applied is ready.
        cursor.liveCommitted([0: 90, 1: 90])
        #expect(cursor.ready == [0: 50, 1: 40])
        #expect(cursor.liveBehind == 0)
        // A group reset below what was judged never moves the judged point back.
        cursor.judged(upTo: cursor.ready)
        cursor.liveCommitted([0: 5, 1: 5])
        #expect(cursor.ready == [0: 50, 1: 40])
    }

    @Test("a subject with records past the ready point waits, whatever else it was touched by")
    func laterRecordsKeepASubjectPending() {
        let compared = VerifyCursor.subjectsToCompare(touchedSinceVerified: ["a", "b", "c", "é"], touchedSinceReady: ["b", "e\u{301}"])
        #expect(compared == ["a", "c", "é"])  // compared by bytes: é (precomposed) is not e + combining accent
    }

    @Test("the status reads back from its JSON, and its renderings say converged only when nothing differs or waits")
    func statusRendering() throws {
        var status = VerifyStatus(
            generatedAt: "2026-12-06T20:00:00Z", liveSchema: "lifestream", liveDatabase: "postgresql://u:***@h/db", shadowSchema: "lifestream_shadow",
            liveGroup: "flink", topic: "events.raw", differingSubjects: 2, differingRows: 3,
            tables: [.init(table: "links", rows: 3, causes: ["out_of_order": 2, "missing_event": 1])], subjectsByCause: ["out_of_order": 1, "missing_event": 1],
            pendingSubjects: 1, liveBehindRecords: 4, partitions: [.init(partition: 0, verified: 10, applied: 14, live: 10)],
            diffs: 2, subjectsCompared: 5, startedAt: "2026-12-06T19:59:00Z", lastDiffAt: nil, lastError: nil)
        let decoded = try JSONDecoder().decode(VerifyStatus.self, from: Data(try status.json().utf8))
        #expect(decoded == status)
        #expect(try status.json().contains("\"differing_rows\" : 3"))
        #expect(status.markdown().contains("**2 subjects differ in 3 rows**"))
        #expect(!status.html().contains("Converged"))
        status.differingSubjects = 0; status.differingRows = 0; status.tables = []; status.pendingSubjects = 0; status.liveBehindRecords = 0
        #expect(status.isConverged)
        #expect(status.markdown().contains("**Converged**"))
        #expect(!status.html().contains("<script"))
    }
}

@Suite("Live verification on the real servers", .tags(.integration))
struct LiveVerifyTests {
    static func status(_ directory: String) -> VerifyStatus? {
        guard let data = FileManager.default.contents(atPath: directory + "/verify-latest.json") else { return nil }
        return try? JSONDecoder().decode(VerifyStatus.self, from: data)
    }

    @Test("follow --verify-against: a batch's subjects wait while the live group is behind and are compared once it has read past them; at the end the totals equal a full diff's, in the report and /metrics")
    func totalsEqualAFullDiff() throws {
        let history = try IncrementalHistory(prefix: "verify")
        defer { history.drop() }
        let reports = NSTemporaryDirectory() + "/" + TestEnvironment.uniqueName("verify_reports")
        defer { try? FileManager.default.removeItem(atPath: reports) }
        let liveGroup = TestEnvironment.uniqueName("flink")
        let admin = try KafkaAdmin(configuration: history.kafka)
        let records = IncrementalHistory.records(events: 3_000, subjects: 300, seed: 19)
        try history.produce(records.prefix(2_000))
        try history.replayLive()
        let firstEnds = history.ends
        try admin.commitOffsets(group: liveGroup, topic: history.topic, offsets: firstEnds)

        let running = try CLIProcess.launch([
            "follow", "--from-beginning", "--topic", history.topic, "--target-schema", history.shadow, "--manifest-dir", history.manifests,
            "--min-interval", "50ms", "--listen", "127.0.0.1:0",
            "--verify-against", history.live, "--live-group", liveGroup, "--verify-interval", "200ms", "--report-interval", "200ms", "--reports-dir", reports,
        ])
        defer { running.stop() }
        func judged(_ ends: [Int32: Int64]) -> Bool {
            guard let status = Self.status(reports), status.lastError == nil else { return false }
            return status.partitions.count == ends.count && status.partitions.allSatisfy { $0.verified == ends[$0.partition] }
        }
        #expect(eventually(within: 90) { judged(firstEnds) }, "\(running.stderrSoFar)")

        // Applied by the follower, not yet read by the live job: its subjects wait.
        try history.produce(records.dropFirst(2_000))
        let allEnds = history.ends
        #expect(eventually(within: 60) {
            guard let status = Self.status(reports) else { return false }
            return status.partitions.allSatisfy { $0.applied == allEnds[$0.partition] } && status.pendingSubjects > 0
        })
        let waiting = try #require(Self.status(reports))
        #expect(judged(firstEnds), "nothing past the live group is judged: \(waiting.partitions)")
        #expect(waiting.liveBehindRecords == Int64(records.count - 2_000))

        // The live job reads them: they are compared, nothing waits.
        try history.replayLive()
        try admin.commitOffsets(group: liveGroup, topic: history.topic, offsets: allEnds)
        #expect(eventually(within: 60) { judged(allEnds) && Self.status(reports)?.pendingSubjects == 0 })

        let port = try #require(running.statusPort)
        let metrics = try #require(blockingGet("http://127.0.0.1:\(port)/metrics"))
        running.send(SIGTERM)
        let ended = try #require(running.finish(within: 30))
        #expect(ended.status == 0, "\(ended.stderr)")
        let final = try #require(Self.status(reports))

        var expected = DivergenceTotals()
        expected.apply(try DiffRunner.outcome(of: history.request(samples: 0)))
        #expect(expected.differences > 0, "the live job's emulation differs from the backfill, so the comparison is not vacuous")
        #expect(final.differingSubjects == expected.subjects)
        #expect(final.differingRows == expected.differences)
        for table in final.tables {
            #expect(table.rows == expected.rowsByTable[table.table] ?? 0, "\(table.table)")
            let causes = Dictionary(uniqueKeysWithValues: (expected.rowsByTableAndCause[table.table] ?? [:]).map { ($0.key.rawValue, $0.value) })
            #expect(table.causes == causes, "\(table.table)")
        }
        #expect(final.subjectsByCause == Dictionary(uniqueKeysWithValues: expected.subjectsByCause.map { ($0.key.rawValue, $0.value) }))
        #expect(metrics.body.contains("backfill_follow_verify_differing_subjects \(expected.subjects)"))
        #expect(metrics.body.contains("backfill_follow_verify_pending_subjects 0"))
        for file in ["verify-latest.md", "verify-latest.html"] { #expect(FileManager.default.fileExists(atPath: reports + "/" + file)) }
    }
}
