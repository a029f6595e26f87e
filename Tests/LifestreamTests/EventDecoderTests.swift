import Testing
@testable import Lifestream

@Suite("Event decoder")
struct EventDecoderTests {
    private func reason(_ json: String) -> String? {
        switch EventDecoder.decode(Array(json.utf8)) {
        case .success: return nil
        case .failure(let reason): return reason.rawValue
        }
    }

    private func envelope(_ fields: String, payload: String = "{}") -> String {
        #"{"event_id":"e1","event_type":"todo.completed","occurred_at":"2026-01-01T00:00:00Z","subject_id":"s1","#
            + fields + #""payload":"# + payload + "}"
    }

    @Test("decodes a full link.added event")
    func decodesValid() throws {
        let json = #"{"event_id":"e1","event_type":"link.added","occurred_at":"2026-01-01T00:00:00.5+01:00","subject_id":"l1","subject":"link","source":"ios","payload":{"url":"https://a","title":null,"extra":1},"unknown":[1]}"#
        let decoded = try EventDecoder.decode(Array(json.utf8)).get()
        #expect(decoded.event.payload == .linkAdded(url: "https://a", title: nil))
        #expect(decoded.event.source == "ios")
        #expect(decoded.event.occurredAt == Timestamp(rfc3339: "2025-12-31T23:00:00.5Z"))
        #expect(String(decoding: Array(json.utf8)[decoded.payloadRange], as: UTF8.self) == #"{"url":"https://a","title":null,"extra":1}"#)
    }

    @Test("gives the generator's quarantine reason for every record of a 20k stream, escapes and non-ASCII text included")
    func agreesWithGenerator() {
        let records = Array(EventGenerator(options: { var o = GeneratorOptions(); o.events = 20_000; return o }()))
        for record in records {
            #expect(EventDecoder.decode(record.value).failureReason == record.quarantineReason,
                    "\(String(decoding: record.value.prefix(400), as: UTF8.self))")
        }
    }

    @Test("each subject kind's name compared in place is its raw value")
    func subjectKindNames() {
        for kind in SubjectKind.allCases { #expect(kind.staticName.description == kind.rawValue) }
    }

    @Test("a member the contract reads, given twice, is a duplicate whatever its values; repeats of other members are ignored")
    func repeatedMembers() throws {
        let head = #"{"event_id":"e1","event_type":"link.added","occurred_at":"2026-01-01T00:00:00Z","subject_id":"l1","#
        #expect(reason(head + #""payload":{"url":"https://a"},"payload":5}"#) == "duplicate_field:payload")
        #expect(reason(head + #""payload":{"url":"https://a"},"payload":null}"#) == "duplicate_field:payload")
        #expect(reason(head + #""payload":5,"payload":{"url":"https://b"},"p\u0061yload":{"url":"https://c"}}"#) == "duplicate_field:payload")
        #expect(reason(head + #""payload":{"url":"https://a","url":"https://a"}}"#) == "duplicate_field:url")
        #expect(reason(head + #""payload":{"url":"https://a","title":null,"title":"t"}}"#) == "duplicate_field:title")
        #expect(reason(head + #""event_id":"e1","payload":{"url":"https://a"}}"#) == "duplicate_field:event_id")
        let ignored = head + #""x":1,"x":2,"payload":{"url":"https://a","y":[1],"y":{"z":1,"z":2}}}"#
        let decoded = try EventDecoder.decode(Array(ignored.utf8)).get()
        #expect(decoded.event.payload == .linkAdded(url: "https://a", title: nil))
    }

    @Test("escaped member names and values read as their text")
    func escapedNames() throws {
        let json = #"{"event\u005fid":"e\u0031","event_type":"link.\u0061dded","occurred_at":"2026-01-01T00:00:00\u005a","subject_id":"l\"1","subject":"li\u006ek","payload":{"u\u0072l":"https:\/\/a","title":"caf\u00e9"}}"#
        let event = try EventDecoder.decode(Array(json.utf8)).get().event
        #expect(event.eventID == "e1")
        #expect(event.subjectID == "l\"1")
        #expect(event.type == .linkAdded)
        #expect(event.occurredAt == Timestamp(rfc3339: "2026-01-01T00:00:00Z"))
        #expect(event.payload == .linkAdded(url: "https://a", title: "café"))
    }

    @Test("gives the contract's reason for each broken rule", arguments: [
        ("{", "invalid_json"),
        ("[1]", "not_an_object"),
        (#"{"event_type":"todo.completed"}"#, "missing_field:event_id"),
        (#"{"event_id":null,"event_type":"todo.completed"}"#, "missing_field:event_id"),
        (#"{"event_id":5}"#, "bad_type:event_id"),
        (#"{"event_id":""}"#, "bad_value:event_id"),
        (#"{"event_id":"e","event_type":"nope"}"#, "unknown_event_type"),
        (#"{"event_id":"e","event_type":1}"#, "bad_type:event_type"),
        (#"{"event_id":"e","event_type":"todo.completed","occurred_at":"soon"}"#, "bad_timestamp:occurred_at"),
        (#"{"event_id":"e","event_type":"todo.completed","occurred_at":"2026-01-01T00:00:00Z"}"#, "missing_field:subject_id"),
    ])
    func reasons(_ json: String, _ expected: String) {
        #expect(reason(json) == expected)
    }

    @Test("checks subject, source and payload envelope rules")
    func envelopeRules() {
        #expect(reason(envelope(#""subject":"link","#)) == "subject_mismatch")
        #expect(reason(envelope(#""subject":3,"#)) == "bad_type:subject")
        #expect(reason(envelope(#""subject":"todo","#)) == nil)
        #expect(reason(envelope(#""source":true,"#)) == "bad_type:source")
        #expect(reason(envelope("", payload: "[]")) == "bad_type:payload")
        #expect(reason(envelope("", payload: "null")) == "missing_field:payload")
        #expect(reason(String(repeating: "x", count: 8) + envelope(#""subject_id":"x","#)) == "invalid_json")
    }

    @Test("checks payload fields per type")
    func payloadRules() {
        func typed(_ type: String, _ payload: String) -> String? {
            reason(#"{"event_id":"e1","event_type":""# + type + #"","occurred_at":"2026-01-01T00:00:00Z","subject_id":"s1","payload":"# + payload + "}")
        }
        #expect(typed("link.added", "{}") == "missing_field:url")
        #expect(typed("link.added", #"{"url":""}"#) == "bad_value:url")
        #expect(typed("content.fetched", #"{"http_status":700}"#) == "bad_value:http_status")
        #expect(typed("content.fetched", #"{"http_status":"200"}"#) == "bad_type:http_status")
        #expect(typed("content.fetched", #"{"http_status":200.5}"#) == "bad_type:http_status")
        #expect(typed("content.fetched", #"{"word_count":-1}"#) == "bad_value:word_count")
        #expect(typed("enrichment.completed", #"{"tags":["a",1]}"#) == "bad_type:tags")
        #expect(typed("link.visibility_changed", #"{"visibility":"secret"}"#) == "bad_value:visibility")
        #expect(typed("link.visibility_changed", "{}") == "missing_field:visibility")
        #expect(typed("temp.reading_recorded", #"{"celsius":71}"#) == "bad_value:celsius")
        #expect(typed("temp.reading_recorded", #"{"celsius":20,"humidity":101}"#) == "bad_value:humidity")
        #expect(typed("temp.reading_recorded", #"{"humidity":50}"#) == "missing_field:celsius")
        #expect(typed("todo.created", #"{"title":"t","due_at":"tomorrow"}"#) == "bad_timestamp:due_at")
        #expect(typed("todo.created", #"{"title":""}"#) == "bad_value:title")
        #expect(typed("annotation.added", #"{"quote":"q"}"#) == "missing_field:link_id")
        #expect(typed("todo.completed", #"{"anything":1}"#) == nil)
    }

    @Test("counts length in Unicode scalars, not bytes")
    func lengths() {
        let id128 = String(repeating: "é", count: 128)
        #expect(reason(#"{"event_id":""# + id128 + #"","event_type":"todo.completed","occurred_at":"2026-01-01T00:00:00Z","subject_id":"s","payload":{}}"#) == nil)
        #expect(reason(#"{"event_id":""# + id128 + #"x","event_type":"todo.completed"}"#) == "bad_value:event_id")
    }

    @Test("quarantines values over 1 MiB as oversized without parsing them")
    func oversized() {
        let big = [UInt8](repeating: UInt8(ascii: " "), count: EventDecoder.maximumValueSize + 1)
        #expect(EventDecoder.decode(big).failureReason == "oversized")
    }
}

extension Result where Failure == QuarantineReason {
    var failureReason: String? { if case .failure(let r) = self { r.rawValue } else { nil } }
}
