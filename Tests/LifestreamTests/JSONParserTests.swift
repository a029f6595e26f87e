import Foundation
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

    @Test("scanning an object gives each member's span, and its values as the tree has them")
    func scanSpans() throws {
        let text = #"{"x": 1.5, "payload": {"k": [1, 2]}, "s": "a\nb", "t": "plain", "n": null, "x": -7}"#
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBytes { raw in
            let object = try #require(try ScannedObject(raw))
            let payload = try #require(object.value("payload"))
            #expect(payload.kind == .object)
            #expect(String(decoding: raw[payload.range], as: UTF8.self) == #"{"k": [1, 2]}"#)
            #expect(object.object(payload).tree(try #require(object.object(payload).value("k"))) == .array([.number(1, integer: 1), .number(2, integer: 2)]))
            #expect(object.string(try #require(object.value("s"))) == "a\nb")
            #expect(try #require(object.value("s")).kind == .string(escaped: true))
            #expect(object.string(try #require(object.value("t"))) == "plain")
            #expect(object.value("n")?.kind == .null)
            #expect(object.number(try #require(object.value("x"))) == (-7, integer: -7))  // the last of a repeated key
            #expect(object.value("missing") == nil)
        }
    }

    @Test("scanning accepts and rejects exactly what parsing does", arguments: [
        "", "{", "[1,]", "{\"a\":}", "01", "1.", "-", "\"abc", "{\"a\":1}x", "tru", "\"\u{01}\"", #""\ud800""#, #""\x""#, "{a:1}",
        "[1 2]", String(repeating: "[", count: 200) + String(repeating: "]", count: 200), #"{"a": [1, {"b": "\u00e9\ud83d\ude00"}], "c": 1e5}"#,
        #"{"a": {"b": [true, false, null, -0.5E-3]}}"#, "[1, 2]", #""top""#, "{}", #"{"a":"x\"}"#, #"{"é": "ü"}"#,
        String(repeating: "[", count: 127) + "{}" + String(repeating: "]", count: 127),
        "{\"a\":" + String(repeating: "[", count: 128) + String(repeating: "]", count: 128) + "}",
    ])
    func scanAgreesWithParse(_ text: String) {
        let bytes = Array(text.utf8)
        let parsed = try? JSONParser.parse(bytes)
        let scanned = bytes.withUnsafeBytes { raw in Result { try JSONParser.scanObject(raw) } }
        switch scanned {
        case .failure: #expect(parsed == nil)
        case .success(let members?):
            guard case .object(let tree)? = parsed else { Issue.record("scanned as an object: \(text)"); return }
            #expect(members.members.count == tree.count)
        case .success(nil):
            #expect(parsed != nil)
            if case .object? = parsed { Issue.record("an object scanned as something else: \(text)") }
        }
    }

    @Test("decimals read to the very double strtod gives, short and long, with and without exponents")
    func decimalsMatchStrtod() throws {
        var generator = SystemRandomNumberGenerator()
        var texts = ["0.5", "-0.0", "21.37", "-89.999", "0.1", "0.000000000000001", "123456789012345.6", "1.5e3", "-2E-2", "99.99999999999999"]
        for _ in 0..<20_000 {
            let whole = String(UInt64.random(in: 0...999_999, using: &generator))
            let fraction = String((0..<Int.random(in: 1...12, using: &generator)).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
            texts.append((Bool.random(using: &generator) ? "-" : "") + whole + "." + fraction)
        }
        for text in texts {
            guard case .number(let value, nil) = try JSONParser.parse(Array(text.utf8)) else { Issue.record("\(text) is not a fraction"); continue }
            #expect(value.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
    }

    @Test("UTF-8 is checked as String(validating:) checks it, byte sequence by byte sequence")
    func utf8ValidationAgrees() {
        var generator = SystemRandomNumberGenerator()
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED,
                                    0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        for length in 1...4 {
            // Every sequence of `length` interesting bytes for short ones, a random sample for longer ones.
            let count = length <= 3 ? Int(pow(Double(interesting.count), Double(length))) : 200_000
            for n in 0..<count {
                var bytes: [UInt8] = []
                var rest = n
                for _ in 0..<length {
                    if length <= 3 { bytes.append(interesting[rest % interesting.count]); rest /= interesting.count }
                    else { bytes.append(interesting.randomElement(using: &generator)!) }
                }
                let expected = String(validating: bytes, as: UTF8.self) != nil
                #expect(bytes.withUnsafeBytes { UTF8Validation.isValid($0) } == expected, "\(bytes)")
            }
        }
    }

    @Test("serialises compactly and round-trips")
    func serialises() throws {
        let value = try parse(#"{ "t": ["a\"", "\n"], "n": 3 }"#)
        #expect(value.serialized == #"{"t":["a\"","\n"],"n":3}"#)
        #expect(try parse(value.serialized) == value)
    }
}
