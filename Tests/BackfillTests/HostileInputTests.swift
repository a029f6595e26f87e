import Backfill
import Foundation
import Lifestream
import Postgres
import Store
import TestSupport
import Testing

/// Records that PostgreSQL would refuse, or would store as something else, are quarantined at
/// validation time with their own reason, on the bulk path (COPY into the keyless log, then the
/// bulk pass) and on the per-batch path (staging and the apply statement), and the run goes on.
/// Each test runs a first run on either path, then an incremental run over more of the same.
@Suite("Hostile records on the real servers", .serialized, .tags(.integration))
struct HostileInputTests {
    static let t0 = "2026-03-01T10:00:00Z"

    /// An event's JSON text; `payload` and `extra` (envelope members, each followed by a comma) are raw JSON.
    static func event(_ id: String, _ type: String, _ subject: String, _ payload: String, at: String = t0, extra: String = "") -> [UInt8] {
        Array(#"{"event_id":"\#(id)","event_type":"\#(type)","occurred_at":"\#(at)","subject_id":"\#(subject)",\#(extra)"payload":\#(payload)}"#.utf8)
    }

    static func records(_ values: [[UInt8]], timestamp: Int64 = 1_772_359_200_000) -> [GeneratedRecord] {
        values.map { GeneratedRecord(partition: 0, key: nil, value: $0, timestamp: timestamp, quarantineReason: nil) }
    }

    /// Runs the topic (a first run, or one after `previous`), then checks the tables and every
    /// quarantine row against the oracle over all records produced; returns the manifest and
    /// the reasons by offset.
    @discardableResult
    static func runAndCheck(_ harness: Harness, bulk: Bool, after previous: RunManifest? = nil,
                            sourceLocation: SourceLocation = #_sourceLocation) throws -> (RunManifest, [Int64: String]) {
        let manifest = try previous.map { try harness.runAfter($0) } ?? harness.run(bulkLoad: bulk)
        let expected = CanonicalOracle.evaluate(harness.produced)
        #expect(differences(try harness.state(), expected.state) == [], sourceLocation: sourceLocation)
        let c = manifest.counts
        #expect(c.read == c.valid + c.duplicate + c.quarantined, sourceLocation: sourceLocation)
        let stored = try harness.quarantine()
        #expect(stored == expected.quarantined.map { "\($0.partition)/\($0.offset) \($0.reason)" }, sourceLocation: sourceLocation)
        var byOffset: [Int64: String] = [:]
        for line in stored {
            let parts = line.split(separator: " ", maxSplits: 1)
            byOffset[Int64(parts[0].split(separator: "/")[1])!] = String(parts[1])
        }
        return (manifest, byOffset)
    }

    /// Text and jsonb cannot hold U+0000, and jsonb's numbers are `numeric`'s: such a record was
    /// logged and then stopped the materializer (a title), the duplicate check's jsonb cast (an
    /// unknown payload member) or the bulk pass on every later run.
    static func unstorable(_ prefix: String) -> [[UInt8]] {
        [
            event("\(prefix)a", "link.added", "\(prefix)l1", #"{"url":"https://a.example"}"#),
            event("\(prefix)b", "link.added", "\(prefix)l2", #"{"url":"https://b.example","title":"a\u0000b"}"#),
            event("\(prefix)c", "content.fetched", "\(prefix)l1", #"{"http_status":200,"text":"x\u0000y"}"#),
            event("\(prefix)d\\u0000", "link.visibility_changed", "\(prefix)l1", #"{"visibility":"public"}"#),
            event("\(prefix)e", "link.added", "\(prefix)\\u0000l3", #"{"url":"https://c.example"}"#),
            event("\(prefix)f", "link.added", "\(prefix)l4", #"{"url":"https://d.example"}"#, extra: #""source":"ios\u0000","#),
            event("\(prefix)g", "enrichment.completed", "\(prefix)l1", #"{"tags":["a","\u0000"]}"#),
            event("\(prefix)h", "link.added", "\(prefix)l5", #"{"url":"https://e.example","ignored":{"deep":["\u0000"]}}"#),
            event("\(prefix)h", "link.added", "\(prefix)l5", #"{"url":"https://e.example","ignored":{"deep":["\u0000"]}}"#),
            event("\(prefix)i", "link.added", "\(prefix)l6", #"{"url":"https://f.example"}"#, extra: #""ignored":"\u0000","#),
            event("\(prefix)j", "link.added", "\(prefix)l7", #"{"url":"https://g.example","n":1e131072}"#),
            event("\(prefix)j", "link.added", "\(prefix)l7", #"{"url":"https://g.example","n":1e131072}"#),
            event("\(prefix)k", "temp.reading_recorded", "\(prefix)s1", #"{"celsius":1e-16384}"#),
            event("\(prefix)l", "temp.reading_recorded", "\(prefix)s1", #"{"celsius":20.5,"humidity":1e-20}"#),
            event("\(prefix)a", "link.added", "\(prefix)l1", #"{"url":"https://a.example","other":1e400}"#),
        ]
    }

    @Test("a \\u0000 in stored text or a number jsonb cannot hold is quarantined with its own reason and the run goes on",
          arguments: [true, false])
    func unstorableRecords(bulk: Bool) throws {
        let harness = try Harness(prefix: "hnul", partitions: 1)
        defer { harness.dropSchemas() }
        try harness.produce(Self.records(Self.unstorable("p")))
        let (first, reasons) = try Self.runAndCheck(harness, bulk: bulk)
        #expect(reasons == [1: "nul_character:title", 2: "nul_character:text", 3: "nul_character:event_id", 4: "nul_character:subject_id",
                            5: "nul_character:source", 6: "nul_character:tags", 7: "nul_character:payload", 8: "nul_character:payload",
                            10: "bad_value:payload", 11: "bad_value:payload", 12: "bad_value:celsius"])
        #expect(first.counts.quarantined == 11 && first.counts.duplicate == 1)
        // The incremental path: more of the same after a checkpoint, with duplicates of logged events.
        try harness.produce(Self.records(Self.unstorable("q") + Self.unstorable("p")))
        let (second, _) = try Self.runAndCheck(harness, bulk: bulk, after: first)
        #expect(second.counts.quarantined == 22)
        #expect(try harness.scalar("select count(*) from \(SQL.quoteIdentifier(harness.target)).links") == "4")  // l1 and l6 of each prefix
    }

    @Test("an integer too large for its int4 column is quarantined, never stored as another number", arguments: [true, false])
    func integerOverflow(bulk: Bool) throws {
        let harness = try Harness(prefix: "hint", partitions: 1)
        defer { harness.dropSchemas() }
        func values(_ p: String) -> [[UInt8]] {
            [
                Self.event("\(p)a", "link.added", "\(p)l1", #"{"url":"https://a.example"}"#),
                Self.event("\(p)b", "content.fetched", "\(p)l1", #"{"http_status":200,"word_count":2147483648}"#, at: "2026-03-01T10:00:01Z"),
                Self.event("\(p)c", "link.added", "\(p)l2", #"{"url":"https://b.example"}"#),
                Self.event("\(p)d", "content.fetched", "\(p)l2", #"{"http_status":200,"word_count":4294967301}"#),
                Self.event("\(p)e", "link.added", "\(p)l3", #"{"url":"https://c.example"}"#),
                Self.event("\(p)f", "content.fetched", "\(p)l3", #"{"http_status":200,"word_count":2147483647}"#),
            ]
        }
        try harness.produce(Self.records(values("p")))
        let (first, reasons) = try Self.runAndCheck(harness, bulk: bulk)
        #expect(reasons == [1: "bad_value:word_count", 3: "bad_value:word_count"])
        #expect(first.counts.quarantined == 2)
        #expect(try harness.scalar("select string_agg(word_count::text, ',') from \(SQL.quoteIdentifier(harness.target)).link_content") == "2147483647")
        try harness.produce(Self.records(values("q")))
        let (second, _) = try Self.runAndCheck(harness, bulk: bulk, after: first)
        #expect(second.counts.quarantined == 2)
        #expect(try harness.scalar("select count(*) from \(SQL.quoteIdentifier(harness.target)).link_content where word_count = 0") == "0")
    }

    @Test("a member the contract reads given twice is quarantined as duplicate_field, not read as its last value", arguments: [true, false])
    func repeatedMembers(bulk: Bool) throws {
        let harness = try Harness(prefix: "hdup", partitions: 1)
        defer { harness.dropSchemas() }
        func values(_ p: String) -> [[UInt8]] {
            [
                Array(#"{"event_id":"\#(p)a","event_id":"\#(p)b","event_type":"link.added","occurred_at":"\#(Self.t0)","subject_id":"\#(p)l1","payload":{"url":"u"}}"#.utf8),
                Array(#"{"event_id":"\#(p)c","event_type":"link.added","occurred_at":"\#(Self.t0)","subject_id":"\#(p)l2","subject\u005fid":"\#(p)l9","payload":{"url":"u"}}"#.utf8),
                Self.event("\(p)d", "link.added", "\(p)l3", #"{"url":"https://a.example","url":"https://b.example"}"#),
                Self.event("\(p)e", "link.added", "\(p)l4", #"{"url":"u"}"#, extra: #""payload":{"url":"v"},"#),
                Self.event("\(p)f", "link.added", "\(p)l5", #"{"url":"u","x":1,"x":2}"#, extra: #""y":1,"y":[2],"#),
            ]
        }
        try harness.produce(Self.records(values("p")))
        let (first, reasons) = try Self.runAndCheck(harness, bulk: bulk)
        #expect(reasons == [0: "duplicate_field:event_id", 1: "duplicate_field:subject_id", 2: "duplicate_field:url", 3: "duplicate_field:payload"])
        try harness.produce(Self.records(values("q")))
        let (second, _) = try Self.runAndCheck(harness, bulk: bulk, after: first)
        #expect(second.counts.quarantined == 4 && second.counts.valid == 1)
    }

    @Test("an event time beyond year 9999 or before year 0001 once its offset is applied is a bad timestamp", arguments: [true, false])
    func calendarEnds(bulk: Bool) throws {
        let harness = try Harness(prefix: "hyear", partitions: 1)
        defer { harness.dropSchemas() }
        func values(_ p: String) -> [[UInt8]] {
            [
                Self.event("\(p)a", "link.added", "\(p)l1", #"{"url":"u"}"#, at: "9999-12-31T23:59:59-23:59"),
                Self.event("\(p)b", "link.added", "\(p)l2", #"{"url":"u"}"#, at: "0001-01-01T00:00:00+00:01"),
                Self.event("\(p)c", "todo.created", "\(p)t1", #"{"title":"t","due_at":"9999-12-31T23:00:00-01:00"}"#),
                Self.event("\(p)d", "link.added", "\(p)l3", #"{"url":"u"}"#, at: "9999-12-31T23:59:59.999999Z"),
                Self.event("\(p)e", "todo.created", "\(p)t2", #"{"title":"t","due_at":"0000-12-31T23:59:00-00:01"}"#, at: "0001-01-01T00:00:00Z"),
                Self.event("\(p)f", "link.added", "\(p)l4", #"{"url":"u"}"#, at: "2016-12-31T23:59:60Z"),
            ]
        }
        try harness.produce(Self.records(values("p")))
        let (first, reasons) = try Self.runAndCheck(harness, bulk: bulk)
        #expect(reasons == [0: "bad_timestamp:occurred_at", 1: "bad_timestamp:occurred_at", 2: "bad_timestamp:due_at"])
        let target = SQL.quoteIdentifier(harness.target)
        #expect(try harness.scalar("select to_char(added_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') from \(target).links where subject_id = 'pl3'")
                == "9999-12-31 23:59:59.999999")
        #expect(try harness.scalar("select to_char(due_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') from \(target).todos where subject_id = 'pt2'")
                == "0001-01-01 00:00:00")
        #expect(try harness.scalar("select to_char(added_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') from \(target).links where subject_id = 'pl4'")
                == "2017-01-01 00:00:00")
        try harness.produce(Self.records(values("q")))
        let (second, _) = try Self.runAndCheck(harness, bulk: bulk, after: first)
        #expect(second.counts.quarantined == 3)
    }

    @Test("a record CreateTime no clock gives (up to Int64.max ms) is kept as no record time; the record itself is read as any other",
          arguments: [true, false])
    func absurdRecordTimestamps(bulk: Bool) throws {
        let harness = try Harness(prefix: "hts", partitions: 1)
        defer { harness.dropSchemas() }
        let times: [Int64] = [Int64.max, 9_300_000_000_000_000, 253_402_300_800_000, 253_402_300_799_999]
        var records: [GeneratedRecord] = []
        for (index, time) in times.enumerated() {
            records += Self.records([Self.event("e\(index)", "link.added", "l\(index)", #"{"url":"u"}"#)], timestamp: time)
            records += Self.records([Self.event("bad\(index)", "link.added", "b\(index)", #"{"url":""}"#)], timestamp: time)
        }
        try harness.produce(records)
        let (manifest, _) = try Self.runAndCheck(harness, bulk: bulk)
        #expect(manifest.counts.valid == 4 && manifest.counts.quarantined == 4)
        #expect(try harness.scalar("select count(*) from \(harness.stateSchema).events where record_timestamp is null") == "3")
        #expect(try harness.scalar("select count(*) from \(SQL.quoteIdentifier(harness.target)).quarantine where record_timestamp is null") == "3")
        #expect(try harness.scalar("select max(record_timestamp) at time zone 'UTC' from \(harness.stateSchema).events") == "9999-12-31 23:59:59.999")
    }

    @Test("the scan's verdict on a number equals PostgreSQL's jsonb cast, at each limit of numeric")
    func numericLimitsMatchTheServer() throws {
        let numbers = [
            "0", "-0", "1e131071", "9.9e131071", "10e131071", "1e131072", "0.00001e131076", "0.00001e131077", "1e-16383", "1e-16384",
            "0e-16383", "0e-16384", "0.0e-16383", "1.5e-16382", "1.5e-16383", "100e-16383", "100e-16385", "0e1073741822",
            "1e-1073741822", "0e-1073741823", "0e99999999999", "1E+0000000000000000000002", "1e400", "-1e400", "1e-400",
            "1" + String(repeating: "0", count: 131_071), "1" + String(repeating: "0", count: 131_072),
            "0." + String(repeating: "0", count: 16_382) + "1", "0." + String(repeating: "0", count: 16_383) + "1",
            "0." + String(repeating: "5", count: 16_384) + "e1",
        ]
        let db = try PostgresConnection.connect(PostgresConfiguration(url: try TestEnvironment.databaseURL()))
        defer { db.close() }
        for number in numbers {
            let value = HostileRecordsFixture.link(number)
            let decoded = EventDecoder.decode(value)
            let server: Bool
            do {
                _ = try db.query("select $1::jsonb", [.text(#"{"n":"# + number + "}")])
                server = true
            } catch {
                server = false
            }
            let accepted: Bool
            if case .success = decoded { accepted = true } else { accepted = false }
            #expect(accepted == server, "\(number.prefix(40))… (\(number.count) characters): the server \(server ? "takes" : "refuses") it")
            let oracle = CanonicalOracle.evaluate([OracleRecord(offset: 0, partition: 0, key: nil, value: value)]).quarantined.isEmpty
            #expect(oracle == server, "the oracle on \(number.prefix(40))…")
        }
    }
}

enum HostileRecordsFixture {
    /// A valid link.added whose payload carries `number` in a member nobody reads.
    static func link(_ number: String) -> [UInt8] {
        HostileInputTests.event("e", "link.added", "l", #"{"url":"u","n":"# + number + "}")
    }
}
