import Testing
@testable import Lifestream

@Suite("JSON parser")
struct JSONParserTests {
    private func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test("parses every kind of value")
    func parsesValues() throws {
        let value = try parse(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "d"}, "e": ""} "#)
        #expect(value["a"] == .array([.number(1, integer: 1), .number(-2500, integer: nil), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("d"))
        #expect(value["e"] == .string(""))
    }

    @Test("decodes escapes and surrogate pairs")
    func decodesEscapes() throws {
        let value = try parse(#"["a\"b\\c\/\n\t\u00e9\ud83d\ude00"]"#)
        #expect(value == .array([.string("a\"b\\c/\n\té😀")]))
    }

    @Test("rejects malformed documents", arguments: [
        "", "{", "[1,]", "{\"a\":}", "01", "1.", "-", "\"abc", "{\"a\":1}x", "tru", "\"\u{01}\"", #""\ud800""#, #""\x""#, "{a:1}",
        "[1 2]", String(repeating: "[", count: 200) + String(repeating: "]", count: 200),
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try parse(text) }
    }

    @Test("a quote, backslash, control character or non-ASCII byte is found at any position of a long string (the 8-byte scan)")
    func findsSpecialBytesAtEveryPosition() throws {
        for length in 0..<40 {
            for position in 0..<max(length, 1) {
                var plain = Array(repeating: UInt8(ascii: "x"), count: length)
                #expect(try JSONParser.parse([0x22] + plain + [0x22]) == .string(String(decoding: plain, as: UTF8.self)))
                guard length > 0 else { continue }
                plain[position] = 0x0A  // a raw newline: not allowed in a string
                #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22] + plain + [0x22]) }
                let escaped = Array(plain.prefix(position)) + [UInt8(ascii: "\\"), UInt8(ascii: "n")] + Array(plain.suffix(from: position + 1))
                #expect(try JSONParser.parse([0x22] + escaped + [0x22])
                        == .string(String(repeating: "x", count: position) + "\n" + String(repeating: "x", count: length - position - 1)))
                plain[position] = 0xE9  // Latin-1 é: not UTF-8
                #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22] + plain + [0x22]) }
                var accented = Array(repeating: UInt8(ascii: "x"), count: length)
                accented.insert(contentsOf: [0xC3, 0xA9], at: position)  // é in UTF-8
                #expect(try JSONParser.parse([0x22] + accented + [0x22]) == .string(String(decoding: accented, as: UTF8.self)))
                let early = Array(plain.prefix(position)) + [0x22]  // a quote ends the string there
                #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22] + early + Array(plain.suffix(from: position)) + [0x22]) }
            }
        }
    }

    @Test("rejects invalid UTF-8 inside strings")
    func rejectsInvalidUTF8() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("reports the byte range of each top-level member")
    func memberRanges() throws {
        let text = #"{"x": 1, "payload": {"k": [1, 2]} }"#
        let bytes = Array(text.utf8)
        let document = try bytes.withUnsafeBytes { try JSONParser.parseDocument($0) }
        guard case .object(let members) = document else { Issue.record("not an object"); return }
        let payload = try #require(members.first { $0.key == "payload" })
        #expect(String(decoding: bytes[payload.range], as: UTF8.self) == #"{"k": [1, 2]}"#)
    }

    @Test("serialises compactly and round-trips")
    func serialises() throws {
        let value = try parse(#"{ "t": ["a\"", "\n"], "n": 3 }"#)
        #expect(value.serialized == #"{"t":["a\"","\n"],"n":3}"#)
        #expect(try parse(value.serialized) == value)
    }
}
