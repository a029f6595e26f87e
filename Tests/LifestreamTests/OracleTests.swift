import Foundation
import Testing
@testable import Lifestream
import TestSupport

/// Generated records as the oracle takes them: offsets counted per partition, in arrival order.
func oracleRecords(_ records: [GeneratedRecord]) -> [OracleRecord] {
    var next: [Int32: Int64] = [:]
    return records.map { record in
        defer { next[record.partition, default: 0] += 1 }
        return OracleRecord(offset: next[record.partition, default: 0], partition: record.partition,
                            key: record.key, value: record.value)
    }
}

@Suite("CanonicalOracle on generated streams")
struct OracleGeneratedTests {
    @Test("the oracle gives the generator's quarantine reason for every record of a 20k stream")
    func agreesWithGenerator() {
        let records = Array(EventGenerator(options: { var o = GeneratorOptions(); o.events = 20_000; return o }()))
        let outcome = CanonicalOracle.evaluate(oracleRecords(records))
        let given = Dictionary(uniqueKeysWithValues: outcome.quarantined.map { ("\($0.partition)/\($0.offset)", $0.reason) })
        for (record, input) in zip(records, oracleRecords(records)) {
            let reason = given["\(input.partition)/\(input.offset)"]
            #expect(reason == record.quarantineReason, "\(String(decoding: record.value.prefix(400), as: UTF8.self))")
        }
        #expect(outcome.valid + outcome.quarantined.count == records.count)
        #expect(outcome.duplicates > 0)
        #expect(outcome.pending > 0)
        for table in OracleState.columns.keys { #expect(!outcome.state.tables[table]!.isEmpty, "\(table) is empty") }
    }

    @Test("arrival order does not change the canonical state when duplicates carry equal payloads")
    func orderIndependence() {
        func outcome(_ arrivalSeed: UInt64?) -> (OracleOutcome, [GeneratedRecord]) {
            var options = GeneratorOptions()
            options.events = 20_000
            options.subjects = 800
            options.duplicateWithDifferentPayloadRate = 0
            options.outOfOrderRate = 0.2
            options.partialBeforeCreateRate = 0.2
            options.arrivalSeed = arrivalSeed
            let records = Array(EventGenerator(options: options))
            return (CanonicalOracle.evaluate(oracleRecords(records)), records)
        }
        let (base, baseRecords) = outcome(nil)
        for seed: UInt64 in [5, 6] {
            let (other, otherRecords) = outcome(seed)
            #expect(otherRecords.map(\.value) != baseRecords.map(\.value))
            #expect(other.state == base.state)
            #expect(other.pending == base.pending)
            #expect(other.duplicates == base.duplicates)
            #expect(other.quarantined.count == base.quarantined.count)
        }
        #expect(base.state.rowCount > 1_000)
    }

    /// How fast the oracle is next to a bare `JSONSerialization` pass is measured by
    /// scripts/bench-oracle.sh, not asserted here; this keeps what that measurement relies on.
    @Test("the oracle gives the same outcome on one thread as spread over all cores, and 99% of a generated stream is valid")
    func sequentialEqualsParallel() {
        var options = GeneratorOptions()
        options.events = 20_000
        let records = oracleRecords(Array(EventGenerator(options: options)))
        let sequential = CanonicalOracle.evaluate(records, parallel: false)
        let parallel = CanonicalOracle.evaluate(records)
        #expect(sequential.valid > 19_800)
        #expect(sequential.state == parallel.state)
        #expect(sequential.valid == parallel.valid)
        #expect(sequential.duplicates == parallel.duplicates)
        #expect(sequential.pending == parallel.pending)
        #expect(sequential.quarantined.map { "\($0.partition)/\($0.offset) \($0.reason)" }
                == parallel.quarantined.map { "\($0.partition)/\($0.offset) \($0.reason)" })
    }
}

@Suite("CanonicalOracle on the contract's own cases")
struct OracleContractTests {
    /// One record value; `payload` and `extra` are raw JSON.
    static func event(_ id: String, _ type: String, _ at: String, _ subject: String, _ payload: String = "{}",
                      extra: String = "") -> [UInt8] {
        Array(#"{"event_id":"\#(id)","event_type":"\#(type)","occurred_at":"\#(at)","subject_id":"\#(subject)"\#(extra),"payload":\#(payload)}"#.utf8)
    }

    static func run(_ values: [[UInt8]]) -> OracleOutcome {
        CanonicalOracle.evaluate(values.enumerated().map {
            OracleRecord(offset: Int64($0.offset), partition: 0, key: nil, value: $0.element)
        })
    }

    static func micros(_ text: String) -> OracleValue {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)!
        return .timestamp(micros: Int64((date.timeIntervalSince1970 * 1_000_000).rounded()))
    }

    static let t0 = "2026-01-01T10:00:00Z", t1 = "2026-01-01T10:00:01Z", t2 = "2026-01-01T10:00:02Z"
    static let t3 = "2026-01-01T10:00:03Z", t4 = "2026-01-01T10:00:04Z", t5 = "2026-01-01T10:00:05Z"

    @Test("out-of-order arrivals: the latest in event order wins, not the last to arrive")
    func outOfOrderLWW() {
        let outcome = Self.run([
            Self.event("e1", "link.added", Self.t1, "s1", #"{"url":"https://a.example","title":"A"}"#, extra: #","source":"ios""#),
            Self.event("e4", "publish.completed", Self.t4, "s1", #"{"target":"blog","url":"https://blog.example/1"}"#),
            Self.event("e3", "content.fetched", Self.t3, "s1", #"{"http_status":200,"text":"new","word_count":1}"#),
            Self.event("e2", "content.fetched", Self.t2, "s1", #"{"http_status":404,"text":"old","word_count":1}"#),
            Self.event("v5", "link.visibility_changed", Self.t5, "s1", #"{"visibility":"public"}"#),
            Self.event("v0", "link.visibility_changed", Self.t0, "s1", #"{"visibility":"unlisted"}"#),
            Self.event("n2", "enrichment.completed", Self.t2, "s1", #"{"tags":["b","a"],"summary":null}"#),
        ])
        let link = outcome.state.tables["links"]!["s1"]!
        #expect(link["status"] == .text("published"))
        #expect(link["visibility"] == .text("public"))
        #expect(link["fetched_at"] == Self.micros(Self.t3))
        #expect(link["updated_at"] == Self.micros(Self.t5))
        #expect(link["source"] == .text("ios"))
        #expect(link["added_at"] == Self.micros(Self.t1))
        #expect(outcome.state.tables["link_content"]!["s1"]!["content_text"] == .text("new"))
        #expect(outcome.state.tables["link_content"]!["s1"]!["http_status"] == .integer(200))
        let metadata = outcome.state.tables["link_metadata"]!["s1"]!
        #expect(metadata["tags"] == .json(#"["b","a"]"#))
        #expect(metadata["summary"] == .null)
        let publish = outcome.state.tables["publish_state"]!["s1"]!
        #expect(publish["status"] == .text("published"))
        #expect(publish["published_url"] == .text("https://blog.example/1"))
        #expect(publish["updated_at"] == Self.micros(Self.t4))
        let subject = outcome.state.tables["subjects"]!["s1"]!
        #expect(subject["visibility"] == .text("public"))
        #expect(subject["created_at"] == Self.micros(Self.t0), "link.visibility_changed writes subjects")
        #expect(subject["updated_at"] == Self.micros(Self.t5))
        #expect(Set(link.keys) == Set(OracleState.columns["links"]!))
    }

    @Test("a partial event before its creating event takes effect once the creator is in")
    func partialBeforeCreate() {
        let outcome = Self.run([
            Self.event("f", "content.fetched", Self.t0, "s1", #"{"http_status":200}"#),
            Self.event("c", "todo.completed", Self.t2, "t1"),
            Self.event("a", "link.added", Self.t1, "s1", #"{"url":"https://a.example"}"#),
            Self.event("o", "todo.created", Self.t1, "t1", #"{"title":"Buy milk","due_at":"2026-01-02T09:00:00+02:00"}"#),
        ])
        #expect(outcome.pending == 0)
        let link = outcome.state.tables["links"]!["s1"]!
        #expect(link["status"] == .text("added"), "link.added is later in event order than content.fetched")
        #expect(link["fetched_at"] == Self.micros(Self.t0))
        #expect(link["title"] == .null)
        #expect(outcome.state.tables["link_content"]!["s1"]!["fetched_at"] == Self.micros(Self.t0))
        #expect(outcome.state.tables["subjects"]!["s1"]!["created_at"] == Self.micros(Self.t1),
                "content.fetched does not write subjects")
        #expect(outcome.state.tables["links"]!["s1"]!["updated_at"] == Self.micros(Self.t1))
        let todo = outcome.state.tables["todos"]!["t1"]!
        #expect(todo["status"] == .text("done"))
        #expect(todo["completed_at"] == Self.micros(Self.t2))
        #expect(todo["due_at"] == Self.micros("2026-01-02T07:00:00Z"))
        #expect(todo["updated_at"] == Self.micros(Self.t2))
    }

    @Test("a subject without its creating event has no rows, and its events count as pending")
    func missingCreator() {
        let outcome = Self.run([
            Self.event("f", "content.fetched", Self.t0, "s1", #"{"http_status":200}"#),
            Self.event("n", "enrichment.completed", Self.t1, "s1"),
            Self.event("c", "todo.completed", Self.t2, "t1"),
            Self.event("c", "todo.completed", Self.t2, "t1"),
        ])
        #expect(outcome.pending == 3)
        #expect(outcome.duplicates == 1)
        #expect(outcome.valid == 4)
        #expect(outcome.state.rowCount == 0)
        #expect(outcome.state == OracleState())
    }

    @Test("events at one instant are ordered by event_id bytes, not by locale or arrival")
    func equalInstantTie() {
        // "é" is 0xC3 0xA9, after "z" in bytes (a collation would put it first).
        let outcome = Self.run([
            Self.event("z1", "todo.created", Self.t1, "t1", #"{"title":"Old"}"#),
            Self.event("é1", "todo.completed", Self.t1, "t1"),
            Self.event("Z2", "todo.created", Self.t0, "t2", #"{"title":"Two"}"#),
            Self.event("a2", "todo.completed", Self.t0, "t2"),
        ])
        #expect(outcome.state.tables["todos"]!["t1"]!["status"] == .text("done"))
        #expect(outcome.state.tables["todos"]!["t2"]!["status"] == .text("done"), "\"Z\" (0x5A) sorts before \"a\" (0x61)")
    }

    @Test("nine fraction digits are truncated to the microsecond, never rounded")
    func fractionTruncation() {
        let outcome = Self.run([
            Self.event("r1", "temp.reading_recorded", "2026-01-01T00:00:00.123456999Z", "s1", #"{"celsius":21}"#),
            Self.event("r2", "temp.reading_recorded", "2026-01-01T00:00:00.9Z", "s2", #"{"celsius":-9.5,"humidity":null}"#),
            Self.event("r3", "temp.reading_recorded", "2026-01-01T00:00:00Z", "s3", #"{"celsius":2137e-2,"humidity":100}"#),
        ])
        let base: Int64 = 1_767_225_600_000_000
        #expect(outcome.state.tables["temperature_latest"]!["s1"]!["occurred_at"] == .timestamp(micros: base + 123_456))
        #expect(outcome.state.tables["temperature_latest"]!["s1"]!["celsius"] == .double(21))
        #expect(outcome.state.tables["temperature_latest"]!["s2"]!["occurred_at"] == .timestamp(micros: base + 900_000))
        #expect(outcome.state.tables["temperature_latest"]!["s2"]!["humidity"] == .null)
        #expect(outcome.state.tables["temperature_latest"]!["s3"]!["celsius"] == .double(21.37))
        #expect(outcome.state.tables["temperature_readings"]!["s1|\(base + 123_456)"] != nil)
    }

    @Test("offsets are normalised to UTC: +02:00 and Z name the same instant")
    func offsetNormalisation() {
        let outcome = Self.run([
            Self.event("b", "annotation.added", "2026-01-01T02:00:00+02:00", "a1", #"{"link_id":"s1","note":"first"}"#),
            Self.event("a", "annotation.added", "2026-01-01T00:00:00Z", "a1", #"{"link_id":"s2","quote":"“q” \"x\" \\ é"}"#),
            Self.event("c", "annotation.added", "2025-12-31T19:00:00.000-05:00", "a2", #"{"link_id":""}"#),
        ])
        let annotation = outcome.state.tables["annotations"]!["a1"]!
        #expect(annotation["created_at"] == .timestamp(micros: 1_767_225_600_000_000))
        #expect(annotation["link_id"] == .text("s1"), "same instant: event_id \"b\" is later than \"a\"")
        #expect(annotation["quote"] == .null)
        #expect(annotation["note"] == .text("first"))
        #expect(outcome.state.tables["annotations"]!["a2"]!["created_at"] == .timestamp(micros: 1_767_225_600_000_000))
        #expect(outcome.state.tables["annotations"]!["a2"]!["link_id"] == .text(""))
        #expect(outcome.state.tables["subjects"]!["a1"]!["subject"] == .text("annotation"))
        #expect(outcome.state.tables["subjects"]!["a1"]!["visibility"] == .text("private"))
    }

    @Test("a duplicate is ignored even with a different payload: the earlier record counts")
    func duplicateWithDifferentPayload() {
        let outcome = Self.run([
            Self.event("e1", "link.added", Self.t1, "s1", #"{"url":"https://first.example"}"#),
            Self.event("e1", "link.added", Self.t1, "s1", #"{"url":"https://second.example"}"#),
            Self.event("e1", "link.added", Self.t2, "s1", #"{"url":"https://third.example"}"#),
            Self.event("e1", "link.added", Self.t1, "s2", #"{"url":"https://other-subject.example"}"#),
        ])
        #expect(outcome.duplicates == 2)
        #expect(outcome.state.tables["links"]!["s1"]!["url"] == .text("https://first.example"))
        #expect(outcome.state.tables["links"]!["s2"]!["url"] == .text("https://other-subject.example"))
    }

    @Test("two readings at one instant: the larger event_id wins, in readings and latest")
    func temperatureTie() {
        // "r2" > "r10" in bytes ('2' > '1'), although 2 < 10 as numbers.
        let outcome = Self.run([
            Self.event("r2", "temp.reading_recorded", Self.t1, "k", #"{"celsius":20.5,"humidity":40}"#),
            Self.event("r10", "temp.reading_recorded", Self.t1, "k", #"{"celsius":30}"#),
            Self.event("r0", "temp.reading_recorded", Self.t0, "k", #"{"celsius":-90}"#),
        ])
        let readings = outcome.state.tables["temperature_readings"]!
        #expect(readings.count == 2)
        let key = OracleState.readingKey(subjectID: "k", occurredAtMicros: 1_767_261_601_000_000)
        #expect(readings[key]?["event_id"] == .text("r2"))
        #expect(readings[key]?["celsius"] == .double(20.5))
        #expect(outcome.state.tables["temperature_latest"]!["k"]!["event_id"] == .text("r2"))
        #expect(outcome.state.tables["subjects"]!["k"]!["created_at"] == Self.micros(Self.t0))
    }

    @Test("when several rules break, the first field in the envelope's order is reported")
    func reasonPrecedence() {
        func reason(_ text: String) -> String? { Self.run([Array(text.utf8)]).quarantined.first?.reason }
        #expect(reason(#"{"event_type":"nope","occurred_at":"x","subject_id":"","payload":[]}"#) == "missing_field:event_id")
        #expect(reason(#"{"event_id":"e","event_type":"nope","occurred_at":"x","subject_id":"s","payload":{}}"#) == "unknown_event_type")
        #expect(reason(#"{"event_id":"e","event_type":"link.added","occurred_at":"x","subject_id":"","payload":{}}"#) == "bad_timestamp:occurred_at")
        #expect(reason(#"{"event_id":"e","event_type":"link.added","occurred_at":"2026-01-01T00:00:00Z","subject_id":"s","subject":"todo","source":1,"payload":{}}"#) == "subject_mismatch")
        #expect(reason(#"{"event_id":"e","event_type":"link.added","occurred_at":"2026-01-01T00:00:00Z","subject_id":"s","source":1}"#) == "bad_type:source")
        #expect(reason(#"{"event_id":"e","event_type":"content.fetched","occurred_at":"2026-01-01T00:00:00Z","subject_id":"s","payload":{"http_status":"x","word_count":-1}}"#) == "bad_type:http_status")
        #expect(reason(#"{"event_id":"e","event_type":"temp.reading_recorded","occurred_at":"2026-01-01T00:00:00Z","subject_id":"s","payload":{"humidity":500}}"#) == "missing_field:celsius")
    }

    @Test("JSON types: booleans are not numbers, fractions are not integers, null is absent")
    func jsonTypes() {
        func reason(_ type: String, _ payload: String) -> String? {
            Self.run([Self.event("e", type, Self.t0, "s", payload)]).quarantined.first?.reason
        }
        #expect(reason("temp.reading_recorded", #"{"celsius":true}"#) == "bad_type:celsius")
        #expect(reason("temp.reading_recorded", #"{"celsius":"21"}"#) == "bad_type:celsius")
        #expect(reason("temp.reading_recorded", #"{"celsius":null}"#) == "missing_field:celsius")
        #expect(reason("temp.reading_recorded", #"{"celsius":70}"#) == nil)
        #expect(reason("temp.reading_recorded", #"{"celsius":70.5}"#) == "bad_value:celsius")
        #expect(reason("temp.reading_recorded", #"{"celsius":1,"humidity":false}"#) == "bad_type:humidity")
        #expect(reason("content.fetched", #"{"http_status":200.5}"#) == "bad_type:http_status")
        #expect(reason("content.fetched", #"{"http_status":1}"#) == "bad_value:http_status")
        #expect(reason("content.fetched", #"{"http_status":0}"#) == "bad_value:http_status", "0 is not false")
        #expect(reason("content.fetched", #"{"word_count":0,"http_status":null}"#) == nil)
        #expect(reason("content.fetched", #"{"word_count":true}"#) == "bad_type:word_count")
        #expect(reason("enrichment.completed", #"{"tags":"a"}"#) == "bad_type:tags")
        #expect(reason("link.added", #"{"url":""}"#) == "bad_value:url")
        #expect(reason("link.added", #"{"url":"u","title":7}"#) == "bad_type:title")
        #expect(reason("link.visibility_changed", #"{"visibility":"Public"}"#) == "bad_value:visibility")
        #expect(reason("todo.created", #"{"title":"t","due_at":"2026-02-30T00:00:00Z"}"#) == "bad_timestamp:due_at")
        #expect(reason("todo.created", #"{"title":"t","due_at":1}"#) == "bad_type:due_at")
        #expect(reason("todo.completed", #"{"anything":[1,{"x":null}]}"#) == nil)
        #expect(reason("annotation.added", #"{"link_id":null}"#) == "missing_field:link_id")
    }

    @Test("whole-record reasons: size, JSON, object, type, subject kind and lengths")
    func recordReasons() {
        func reason(_ bytes: [UInt8]) -> String? { Self.run([bytes]).quarantined.first?.reason }
        let valid = Self.event("e", "link.added", Self.t0, "s", #"{"url":"u"}"#)
        #expect(reason(valid) == nil)
        #expect(reason(Array(valid.dropLast())) == "invalid_json")
        #expect(reason([0x7B, 0xFF, 0x7D]) == "invalid_json")
        #expect(reason(Array("[1]".utf8)) == "not_an_object")
        #expect(reason(Array("\"text\"".utf8)) == "not_an_object")
        var big = Array(#"{"pad":""#.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 1_048_576) + Array("\"}".utf8)
        #expect(reason(big) == "oversized")
        big = Array(valid.dropLast(2)) + Array(#"},"pad":""#.utf8) + [UInt8](repeating: 0x61, count: 1_048_576 - valid.count - 10) + Array("\"}".utf8)
        #expect(big.count <= 1_048_576 && reason(big) == nil, "exactly at the limit is fine")
        #expect(reason(Self.event("e", "link.added", Self.t0, "s", #"{"url":"u"}"#, extra: #","subject":"link""#)) == nil)
        #expect(reason(Self.event("e", "link.added", Self.t0, "s", #"{"url":"u"}"#, extra: #","subject":null,"source":null"#)) == nil)
        #expect(reason(Self.event("e", "link.added", Self.t0, "s", #"{"url":"u"}"#, extra: #","subject":"sensor""#)) == "subject_mismatch")
        #expect(reason(Self.event(String(repeating: "x", count: 128), "link.added", Self.t0, "s", #"{"url":"u"}"#)) == nil)
        #expect(reason(Self.event(String(repeating: "é", count: 128), "link.added", Self.t0, "s", #"{"url":"u"}"#)) == nil,
                "length counts characters, not bytes")
        #expect(reason(Self.event(String(repeating: "x", count: 129), "link.added", Self.t0, "s", #"{"url":"u"}"#)) == "bad_value:event_id")
        #expect(reason(Self.event("e", "link.added", Self.t0, String(repeating: "s", count: 257), #"{"url":"u"}"#)) == "bad_value:subject_id")
        #expect(reason(Self.event("e", "link.added", Self.t0, "", #"{"url":"u"}"#)) == "bad_value:subject_id")
    }

    @Test("RFC 3339 timestamps: accepted forms and rejected ones")
    func timestampForms() {
        func accepted(_ at: String) -> Bool { Self.run([Self.event("e", "todo.completed", at, "s")]).quarantined.isEmpty }
        for text in ["2026-01-01T00:00:00Z", "2026-01-01t00:00:00z", "2026-01-01T00:00:00.1Z", "2026-01-01T00:00:00.123456789+05:30",
                     "2024-02-29T23:59:59-00:00", "2016-12-31T23:59:60Z"] {
            #expect(accepted(text), "\(text)")
        }
        for text in ["2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00.1234567890Z",
                     "2025-02-29T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00+0200", "2026-1-01T00:00:00Z", "0000-01-01T00:00:00Z"] {
            #expect(!accepted(text), "\(text)")
        }
    }
}
