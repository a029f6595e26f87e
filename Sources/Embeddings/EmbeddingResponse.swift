/// A `/generate` or `/health` answer, read by a small parser of its own because the interesting
/// failure, a vector holding NaN or Infinity, is exactly what strict JSON cannot express: Python's
/// json writes the bare tokens `NaN`, `Infinity`, `-Infinity`, and a strict parser would reject the
/// whole batch without saying which text was hit. This one reads them as the non-finite floats they
/// are, so validation can reject that one vector and keep the rest.
public struct EmbeddingResponse: Sendable, Equatable {
    public var model: String?
    public var dimension: Int?
    public var status: String?
    /// `embeddings` (batch form) or `[embedding]` (single form); nil when neither was present.
    public var vectors: [[Float]]?
    public var error: String?

    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    public static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> EmbeddingResponse {
        var parser = Parser(bytes: bytes)
        let value = try parser.document()
        guard case .object(let members) = value else {
            throw SyntaxError(offset: 0, reason: "the answer is not a JSON object")
        }
        var response = EmbeddingResponse()
        for (key, member) in members {
            switch (key, member) {
            case ("model", .string(let s)): response.model = s
            case ("status", .string(let s)): response.status = s
            case ("error", .string(let s)): response.error = s
            case ("dimension", .number(let d)) where d.isFinite && d == d.rounded() && abs(d) < 1e9: response.dimension = Int(d)
            case ("embeddings", .array(let rows)): response.vectors = try rows.map { row throws(SyntaxError) in try vector(row) }
            case ("embedding", .array): response.vectors = [try vector(member)]
            default: continue
            }
        }
        return response
    }

    private static func vector(_ value: Value) throws(SyntaxError) -> [Float] {
        guard case .array(let items) = value else { throw SyntaxError(offset: 0, reason: "an embedding is not an array") }
        var floats: [Float] = []
        floats.reserveCapacity(items.count)
        for item in items {
            guard case .number(let d) = item else { throw SyntaxError(offset: 0, reason: "an embedding holds something other than numbers") }
            floats.append(Float(d))
        }
        return floats
    }

    enum Value {
        case null, bool(Bool), number(Double), string(String), array([Value]), object([(String, Value)])
    }

    struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func document() throws(SyntaxError) -> Value {
            let value = try parse(depth: 0)
            skipSpace()
            guard index == bytes.count else { throw fail("text after the end of the document") }
            return value
        }

        func fail(_ reason: String) -> SyntaxError { SyntaxError(offset: index, reason: reason) }

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        mutating func literal(_ word: String) -> Bool {
            let utf8 = Array(word.utf8)
            guard index + utf8.count <= bytes.count, bytes[index..<index + utf8.count].elementsEqual(utf8) else { return false }
            index += utf8.count
            return true
        }

        mutating func parse(depth: Int) throws(SyntaxError) -> Value {
            guard depth < 16 else { throw fail("nested too deeply") }
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var members: [(String, Value)] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard case .string(let key) = try parse(depth: depth + 1) else { throw fail("an object key is not a string") }
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    index += 1
                    members.append((key, try parse(depth: depth + 1)))
                    skipSpace()
                    guard index < bytes.count else { throw fail("unexpected end in an object") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                index += 1
                var items: [Value] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                while true {
                    items.append(try parse(depth: depth + 1))
                    skipSpace()
                    guard index < bytes.count else { throw fail("unexpected end in an array") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"):
                if literal("true") { return .bool(true) }
            case UInt8(ascii: "f"):
                if literal("false") { return .bool(false) }
            case UInt8(ascii: "n"):
                if literal("null") { return .null }
            case UInt8(ascii: "N"):
                if literal("NaN") { return .number(.nan) }
            case UInt8(ascii: "I"):
                if literal("Infinity") { return .number(.infinity) }
            default:
                if literal("-Infinity") { return .number(-.infinity) }
                return .number(try number())
            }
            throw fail("unexpected character")
        }

        mutating func number() throws(SyntaxError) -> Double {
            let start = index
            while index < bytes.count, Self.isNumberByte(bytes[index]) { index += 1 }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            guard index > start, let value = Double(text) else {
                index = start
                throw fail("not a number")
            }
            return value
        }

        static func isNumberByte(_ b: UInt8) -> Bool {
            (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: "+")
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
        }

        mutating func string() throws(SyntaxError) -> String {
            index += 1
            var out: [UInt8] = []
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    index += 1
                    return String(decoding: out, as: UTF8.self)
                }
                if b == UInt8(ascii: "\\") {
                    index += 1
                    guard index < bytes.count else { break }
                    let e = bytes[index]
                    index += 1
                    switch e {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard index + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
                            throw fail("bad \\u escape")
                        }
                        index += 4
                        // Error texts only: a lone surrogate becomes U+FFFD rather than failing the answer.
                        let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: out.append(e)
                    }
                    continue
                }
                out.append(b)
                index += 1
            }
            throw fail("unterminated string")
        }
    }
}
