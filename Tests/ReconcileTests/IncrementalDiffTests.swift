import Foundation
import Lifestream
import Postgres
@testable import Reconcile
import Store
import Testing
import TestSupport

/// Incremental diffs on the real servers: the same findings as a full diff of the touched
/// subjects' rows, for random cuts of a generated history, in one database and in two.
@Suite("Incremental diff", .tags(.integration))
struct IncrementalDiffTests {
    /// `count` distinct cut positions strictly inside `0..<total`, sorted.
    static func randomCuts(_ count: Int, of total: Int) -> [Int] {
        var cuts = Set<Int>()
        while cuts.count < count { cuts.insert(Int.random(in: total / 10..<total - total / 10)) }
        return cuts.sorted()
    }

    /// A short account of how two subject lists differ.
    static func brief(_ found: [String], _ expected: [String]) -> String {
        let extra = Set(found).subtracting(expected).sorted(), missing = Set(expected).subtracting(found).sorted()
        return "\(found.count) chosen, \(expected.count) expected; extra \(extra.prefix(5)), missing \(missing.prefix(5))"
    }

    /// A table's counts and causes on one line.
    static func brief(_ table: TableDiff) -> String {
        "rows \(table.leftRows)/\(table.rightRows), only-left \(table.onlyLeft), only-right \(table.onlyRight), changed \(table.changed), "
            + "causes \(table.causes.filter { $0.rows > 0 }.map { "\($0.cause.rawValue) \($0.rows)" }), samples \(table.samples.map { $0.key.map(\.value) })"
    }

    /// Builds a history in stages cut at random places, then checks, for the start and every cut,
    /// that the incremental diff since it chose exactly the subjects the records after it name,
    /// and found what a full diff of those subjects' rows finds.
    static func checkCuts(liveDatabase: PostgresConfiguration? = nil) throws {
        let history = try IncrementalHistory(prefix: "incr", liveDatabase: liveDatabase)
        defer { history.drop() }
        let records = IncrementalHistory.records(events: 3_000, subjects: 300, seed: UInt64.random(in: 1...1_000_000))
        let positions = randomCuts(3, of: records.count)
        let bounds = [0] + positions + [records.count]
        for (start, end) in zip(bounds, bounds.dropFirst()) { try history.stage(records[start..<end]) }
        try history.replayLive()
        // The index the touched subjects are found by survives the first run's bulk load.
        let db = try PostgresConnection.connect(history.shadowDatabase)
        defer { db.close() }
        #expect(try db.query("select count(*) from pg_indexes where schemaname = $1 and indexname = 'events_position'",
                             [.text(history.state)]).scalar == "1")

        let cuts: [Checkpoint?] = [nil] + history.cuts.dropLast()
        for (index, cut) in cuts.enumerated() {
            let context = "cut \(index) of records \(positions) (\(records.count) in all)"
            var request = history.request()
            request.selection = .touchedSince(cut ?? Checkpoint(source: "the start", topic: nil, runID: nil, ends: [:]), stateSchema: history.state)
            let incremental = try DiffRunner.outcome(of: request)
            let expected = history.touched(since: cut)
            let covered = incremental.covered ?? []
            #expect(Bool(covered == expected), "\(context): the subjects chosen: \(Self.brief(covered, expected))")
            #expect(incremental.report.scope?.kind == .incremental && incremental.report.scope?.subjects == expected.count, "\(context)")
            let full = try history.fullDiff(restrictedTo: expected)
            #expect(full.totals.differences > 0, "\(context): the cut leaves differences to compare")
            let (tables, causes) = incremental.report.findings()
            let (fullTables, fullCauses) = full.findings()
            for (table, fullTable) in zip(tables, fullTables) {
                #expect(Bool(table == fullTable), "\(context): table \(table.name): \(Self.brief(table)) vs \(Self.brief(fullTable))")
            }
            #expect(causes == fullCauses, "\(context): causes")
            #expect(incremental.report.verdict == full.verdict, "\(context)")
        }
    }

    @Test("an incremental diff since each of several random cuts equals a full diff of the touched subjects' rows, table by table and cause by cause (one database)")
    func cutsInOneDatabase() throws {
        try Self.checkCuts()
    }

    @Test("an incremental diff since each of several random cuts equals a full diff of the touched subjects' rows, table by table and cause by cause (two databases)")
    func cutsInTwoDatabases() throws {
        let base = try TestEnvironment.databaseURL()
        let admin = try PostgresConnection.connect(PostgresConfiguration(url: base), applicationName: "reconcile-tests")
        defer { admin.close() }
        let name = TestEnvironment.uniqueName("incrdb")
        try admin.execute("CREATE DATABASE \(SQL.quoteIdentifier(name))")
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(SQL.quoteIdentifier(name)) WITH (FORCE)") }
        try Self.checkCuts(liveDatabase: PostgresConfiguration(url: TwoDatabaseTests.url(base, database: name)))
    }

    @Test("the touched subjects include a duplicate's, a quarantined record's (by its value, else its key; an oversized one by its key), and a pending event's; a record naming no subject is counted apart")
    func touchedCoversEveryRecord() throws {
        let history = try IncrementalHistory(prefix: "touch", partitions: 1)
        defer { history.drop() }
        func record(_ subject: String, _ eventID: String, _ type: String, _ payload: String, key: String? = nil) -> GeneratedRecord {
            let value = #"{"event_id":"\#(eventID)","event_type":"\#(type)","occurred_at":"2026-01-01T00:00:0\#(eventID.count)Z","subject_id":"\#(subject)","payload":\#(payload)}"#
            return GeneratedRecord(partition: 0, key: (key ?? subject).map { Array($0.utf8) }, value: Array(value.utf8), timestamp: 1_767_225_600_000, quarantineReason: nil)
        }
        try history.stage([
            record("l-dup", "e1", "link.added", #"{"url":"https://a"}"#),
            record("l-quiet", "e1", "link.added", #"{"url":"https://b"}"#),
            record("t-bad", "e1", "todo.created", #"{"title":"t"}"#),
        ])
        try history.stage([
            record("l-dup", "e1", "link.added", #"{"url":"https://changed"}"#),          // a duplicate, another payload
            record("t-bad", "e22", "todo.created", #"{"title":""}"#),                      // quarantined: bad_value:title
            GeneratedRecord(partition: 0, key: Array("k-garbage".utf8), value: Array("{not json".utf8), timestamp: 1_767_225_600_000, quarantineReason: nil),
            GeneratedRecord(partition: 0, key: nil, value: Array("[1,2]".utf8), timestamp: 1_767_225_600_000, quarantineReason: nil),
            // oversized: never parsed, so its key names it, not the subject_id inside
            GeneratedRecord(partition: 0, key: Array("k-big".utf8),
                            value: Array(#"{"subject_id":"v-big","pad":"\#(String(repeating: "x", count: 1 << 20))"}"#.utf8),
                            timestamp: 1_767_225_600_000, quarantineReason: nil),
            record("l-pending", "e333", "content.fetched", #"{"http_status":200}"#),       // pending: no link.added yet
        ])
        let db = try PostgresConnection.connect(history.shadowDatabase)
        defer { db.close() }
        let touched = try TouchedSubjects.since(history.cuts[0], state: StateSchema(name: history.state), db: db)
        #expect(touched.subjects == ["k-big", "k-garbage", "l-dup", "l-pending", "t-bad"])
        #expect(touched.records == 6)
        #expect(touched.quarantinedWithoutSubject == 1)
        #expect(touched.subjects == history.touched(since: history.cuts[0]))
        // Since the second cut nothing was read.
        #expect(try TouchedSubjects.since(history.cuts[1], state: StateSchema(name: history.state), db: db).subjects.isEmpty)
        let other = Checkpoint(source: "elsewhere.json", topic: "another.topic", runID: nil, ends: [:])
        #expect(throws: StoreError.self) { try TouchedSubjects.since(other, state: StateSchema(name: history.state), db: db) }
    }
}
