import Testing
@testable import Lifestream
import TestSupport

/// Records strict JSON allows but PostgreSQL would refuse, or would store as something else:
/// the decoder quarantines each with its own reason before anything is stored, and the oracle,
/// an independent statement of the same rules, gives the same verdict.
@Suite("Hostile records: the decoder and the oracle agree")
struct HostileRecordTests {
    static let head = #"{"event_id":"e1","event_type":"link.added","occurred_at":"2026-01-01T00:00:00Z","subject_id":"l1","#

    static func link(_ payload: String, envelope: String = "") -> String { head + envelope + #""payload":"# + payload + "}" }

    static func typed(_ type: String, _ payload: String, at: String = "2026-01-01T00:00:00Z") -> String {
        #"{"event_id":"e1","event_type":""# + type + #"","occurred_at":""# + at + #"","subject_id":"s1","payload":"# + payload + "}"
    }

    /// The decoder's reason (nil: valid), after checking that the oracle gives the same.
    static func verdict(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let bytes = Array(json.utf8)
        let decoded = EventDecoder.decode(bytes).failureReason
        let oracle = CanonicalOracle.evaluate([OracleRecord(offset: 0, partition: 0, key: nil, value: bytes)], parallel: false)
            .quarantined.first?.reason
        #expect(decoded == oracle, "decoder and oracle disagree on \(json.prefix(300))", sourceLocation: sourceLocation)
        return decoded
    }

    @Test("a \\u0000 in any text the contract reads names that field; anywhere else in the payload it is the payload's",
          arguments: [
        (link(#"{"url":"u","title":"a\u0000b"}"#), "nul_character:title"),
        (link(#"{"url":"\u0000"}"#), "nul_character:url"),
        (#"{"event_id":"e\u0000","event_type":"link.added"}"#, "nul_character:event_id"),
        (#"{"event_id":"e","event_type":"link.added\u0000"}"#, "nul_character:event_type"),
        (#"{"event_id":"e","event_type":"link.added","occurred_at":"2026-01-01T00:00:00Z\u0000"}"#, "nul_character:occurred_at"),
        (#"{"event_id":"e","event_type":"link.added","occurred_at":"2026-01-01T00:00:00Z","subject_id":"\u0000"}"#, "nul_character:subject_id"),
        (link(#"{"url":"u"}"#, envelope: #""subject":"link\u0000","#), "nul_character:subject"),
        (link(#"{"url":"u"}"#, envelope: #""source":"\u0000ios","#), "nul_character:source"),
        (typed("enrichment.completed", #"{"tags":["a","b\u0000"]}"#), "nul_character:tags"),
        (typed("enrichment.completed", #"{"tags":["a",1,"\u0000"]}"#), "bad_type:tags"),
        (typed("content.fetched", #"{"text":"x\u0000"}"#), "nul_character:text"),
        (typed("link.visibility_changed", #"{"visibility":"public\u0000"}"#), "nul_character:visibility"),
        (typed("todo.created", #"{"title":"t","due_at":"\u0000"}"#), "nul_character:due_at"),
        (typed("annotation.added", #"{"link_id":"\u0000"}"#), "nul_character:link_id"),
        (link(#"{"url":"u","unknown":"\u0000"}"#), "nul_character:payload"),
        (link(#"{"url":"u","un\u0000known":1}"#), "nul_character:payload"),
        (link(#"{"url":"u","deep":[{"x":["\u0000"]}]}"#), "nul_character:payload"),
        (link(#"{"url":"u","x":"\u0000","x":"fine"}"#), "nul_character:payload"),
        (typed("todo.completed", #"{"title":"\u0000"}"#), "nul_character:payload"),
        (link(#"{"title":"\u0000"}"#), "missing_field:url"),
        (link(#"{"url":"u","title":"\\u0000 is written, not a NUL"}"#), nil),
        (link(#"{"url":"u"}"#, envelope: #""note":"\u0000","\u0000":1,"#), nil),
    ])
    func nulCharacters(_ json: String, _ expected: String?) {
        #expect(Self.verdict(json) == expected)
    }

    @Test("integers are range-checked against their int4 columns; integral values beyond a double are out of range, not fractions",
          arguments: [
        (typed("content.fetched", #"{"word_count":2147483647}"#), nil),
        (typed("content.fetched", #"{"word_count":2147483648}"#), "bad_value:word_count"),
        (typed("content.fetched", #"{"word_count":4294967301}"#), "bad_value:word_count"),
        (typed("content.fetched", #"{"word_count":2.147483648e9}"#), "bad_value:word_count"),
        (typed("content.fetched", #"{"word_count":9223372036854775808}"#), "bad_value:word_count"),
        (typed("content.fetched", #"{"word_count":1e400}"#), "bad_value:word_count"),
        (typed("content.fetched", #"{"word_count":-1e400}"#), "bad_value:word_count"),
        (typed("content.fetched", #"{"word_count":12.5}"#), "bad_type:word_count"),
        (typed("content.fetched", #"{"word_count":1.2e1}"#), nil),
        (typed("content.fetched", #"{"word_count":-0}"#), nil),
        (typed("content.fetched", #"{"http_status":1e400}"#), "bad_value:http_status"),
        (typed("temp.reading_recorded", #"{"celsius":1e400}"#), "bad_value:celsius"),
    ])
    func integerRanges(_ json: String, _ expected: String?) {
        #expect(Self.verdict(json) == expected)
    }

    @Test("a number PostgreSQL's numeric refuses is the field's bad_value, or the payload's anywhere else in it",
          arguments: [
        (typed("temp.reading_recorded", #"{"celsius":1e-16383}"#), nil),
        (typed("temp.reading_recorded", #"{"celsius":1e-16384}"#), "bad_value:celsius"),
        (typed("temp.reading_recorded", #"{"celsius":0e-16384}"#), "bad_value:celsius"),
        (typed("temp.reading_recorded", #"{"celsius":20,"humidity":0.0e-16383}"#), "bad_value:humidity"),
        (typed("content.fetched", #"{"word_count":1e-20000}"#), "bad_value:word_count"),
        (link(#"{"url":"u","n":1e131071}"#), nil),
        (link(#"{"url":"u","n":1e131072}"#), "bad_value:payload"),
        (link(#"{"url":"u","n":[0.00001e131076]}"#), nil),
        (link(#"{"url":"u","n":[0.00001e131077]}"#), "bad_value:payload"),
        (link(#"{"url":"u","n":{"m":-1e-16384}}"#), "bad_value:payload"),
        (link(#"{"url":"u","n":0e1073741822}"#), nil),
        (link(#"{"url":"u","n":0e1073741823}"#), "bad_value:payload"),
        (link(#"{"url":"u","n":0e-99999999999999999999}"#), "bad_value:payload"),
        (link(#"{"url":"u","n":1E+0000000000000000000002}"#), nil),
        (link(#"{"url":"u","n":1e400,"s":"\u0000"}"#), "nul_character:payload"),
        (link(#"{"url":"u"}"#, envelope: #""n":1e131072,"#), nil),
    ])
    func numericLimits(_ json: String, _ expected: String?) {
        #expect(Self.verdict(json) == expected)
    }

    @Test("numbers with more digits than numeric holds, before or after the point")
    func longNumbers() {
        let whole = "1" + String(repeating: "0", count: 131_071)
        #expect(Self.verdict(Self.link(#"{"url":"u","n":"# + whole + "}")) == nil)
        #expect(Self.verdict(Self.link(#"{"url":"u","n":"# + whole + "0}")) == "bad_value:payload")
        let fraction = "0." + String(repeating: "1", count: 16_383)
        #expect(Self.verdict(Self.link(#"{"url":"u","n":"# + fraction + "}")) == nil)
        #expect(Self.verdict(Self.link(#"{"url":"u","n":"# + fraction + "1}")) == "bad_value:payload")
        #expect(Self.verdict(Self.link(#"{"url":"u","n":"# + fraction + "e1}")) == nil)
    }

    @Test("event times must lie in years 0001 to 9999 once the offset is applied; a leap second is the next minute's first",
          arguments: [
        ("9999-12-31T23:59:59.999999Z", nil),
        ("9999-12-31T23:59:59-23:59", "bad_timestamp:occurred_at"),
        ("9999-12-31T23:59:60Z", "bad_timestamp:occurred_at"),
        ("9999-12-31T23:00:00-01:00", "bad_timestamp:occurred_at"),
        ("0001-01-01T00:00:00Z", nil),
        ("0001-01-01T00:00:00+00:01", "bad_timestamp:occurred_at"),
        ("0000-12-31T23:59:00-00:01", nil),
        ("0000-12-31T23:59:00Z", "bad_timestamp:occurred_at"),
        ("0000-01-01T00:00:00Z", "bad_timestamp:occurred_at"),
        ("2016-12-31T23:59:60Z", nil),
    ])
    func timestampBounds(_ at: String, _ expected: String?) {
        #expect(Self.verdict(Self.typed("todo.completed", "{}", at: at)) == expected)
        let due = Self.verdict(Self.typed("todo.created", #"{"title":"t","due_at":""# + at + #""}"#))
        #expect(due == expected.map { _ in "bad_timestamp:due_at" })
    }

    @Test("a leap second reads as PostgreSQL reads it: the first second of the next minute")
    func leapSecond() throws {
        #expect(Timestamp(rfc3339: "2016-12-31T23:59:60Z") == Timestamp(rfc3339: "2017-01-01T00:00:00Z"))
        #expect(Timestamp(rfc3339: "2016-12-31T23:59:60.5+01:00") == Timestamp(rfc3339: "2016-12-31T23:00:00.5Z"))
    }

    @Test("what strict JSON refuses is invalid_json for both: lone surrogates, a byte-order mark, trailing commas, nesting past 128",
          arguments: [
        link(#"{"url":"\ud800"}"#), link(#"{"url":"\udc00x"}"#), link(#"{"url":"\ud800\u0041"}"#),
        "\u{FEFF}" + link(#"{"url":"u"}"#), link(#"{"url":"u",}"#), head + #""payload":{"url":"u"},}"#,
        link(#"{"url":"u","d":"# + String(repeating: "[", count: 128) + String(repeating: "]", count: 128) + "}"),
        link(#"{"url":"u","x":01}"#), link(#"{"url":"u","x":1.}"#), link(#"{"url":"u","x":.5}"#), link(#"{"url":"u","x":+1}"#),
        link(#"{"url":"u","x":"\x"}"#), link(#"{"url":"u","x":"\u12"}"#), link(#"{"url":"u","x":NaN}"#),
    ])
    func strictJSON(_ json: String) {
        #expect(Self.verdict(json) == "invalid_json")
    }

    @Test("a value inside 128 arrays and objects (the envelope counted) is fine for both")
    func deepestNesting() {
        let nested = String(repeating: "[", count: 127) + String(repeating: "]", count: 127)
        #expect(Self.verdict(Self.link(#"{"url":"u","d":"# + nested + "}")) == nil)
    }
}

@Suite("Hostile records: fuzzed")
struct HostileRecordFuzzTests {
    @Test("the decoder and the oracle give the same verdict and reason for 20,000 fuzzed records, every kind of mutation among them")
    func agreeOnFuzzedRecords() {
        var options = GeneratorOptions()
        options.events = 4_000
        options.subjects = 300
        options.invalidRate = 0.02
        let base = Array(EventGenerator(options: options)).filter { $0.value.count < 100_000 }
        var hostile = HostileRecords(profile: .lifestream, seed: 42)
        var kinds: [HostileRecords.Kind: Int] = [:]
        var reasons: [String: Int] = [:]
        var disagreements = 0
        for index in 0..<20_000 {
            let (value, kind) = hostile.mutate(base[index % base.count].value)
            kinds[kind, default: 0] += 1
            let decoded = EventDecoder.decode(value).failureReason
            let oracle = CanonicalOracle.evaluate([OracleRecord(offset: 0, partition: 0, key: nil, value: value)], parallel: false)
                .quarantined.first?.reason
            reasons[decoded ?? "valid", default: 0] += 1
            if decoded != oracle {
                disagreements += 1
                if disagreements <= 10 {
                    Issue.record("\(kind): decoder \(decoded ?? "valid"), oracle \(oracle ?? "valid"): \(String(decoding: value.prefix(600), as: UTF8.self).debugDescription)")
                }
            }
        }
        #expect(disagreements == 0)
        #expect(kinds.count == HostileRecords.Kind.allCases.count)
        print("hostile verdicts:", reasons.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        for reason in ["nul_character:payload", "bad_value:payload", "invalid_json", "not_an_object", "valid", "bad_timestamp:occurred_at"] {
            #expect(reasons[reason, default: 0] > 0, "no record gave \(reason)")
        }
        #expect(reasons.keys.contains { $0.hasPrefix("duplicate_field:") })
    }
}

extension HostileRecordFuzzTests {
    @Test("the same seed gives the same hostile values; another seed other ones")
    func deterministic() {
        let base = Array(EventGenerator(options: { var o = GeneratorOptions(); o.events = 200; return o }())).map(\.value)
        func values(_ seed: UInt64) -> [[UInt8]] {
            var hostile = HostileRecords(profile: .lifestream, seed: seed)
            return (0..<1_000).map { hostile.mutate(base[$0 % base.count]).value }
        }
        #expect(values(5) == values(5))
        #expect(values(5) != values(6))
    }
}
