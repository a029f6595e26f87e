/// A JSON document as the oracle reads it: every member kept in order (repeated names too) and
/// every number as the text it was written with, so the rules about names and numbers can be
/// stated on what the record actually says.
enum OracleNode {
    case null
    case bool(Bool)
    case number(OracleNumber)
    case string(OracleString)
    case array([OracleNode])
    case object(OracleObject)
}

/// An object's members by name: the last value of each name, how often a name is given when it
/// is given more than once, and the values that later ones replaced (still part of the text).
struct OracleObject {
    var byName: [String: OracleNode] = [:]
    var repeats: [String: Int] = [:]
    var replaced: [OracleNode] = []
    /// Whether some member name holds U+0000.
    var namesHoldNUL = false

    mutating func add(_ name: OracleString, _ value: OracleNode) {
        if let earlier = byName.updateValue(value, forKey: name.text) {
            repeats[name.text, default: 1] += 1
            replaced.append(earlier)
        }
        if name.holdsNUL { namesHoldNUL = true }
    }

    /// Whether `test` holds for some value given, replaced ones included.
    func anyValue(_ test: (OracleNode) -> Bool) -> Bool {
        for value in byName.values where test(value) { return true }
        for value in replaced where test(value) { return true }
        return false
    }
}

/// A number as written, and whether PostgreSQL's `numeric` takes it (`OracleNumeric`).
struct OracleNumber {
    var text: String
    var fitsNumeric: Bool
}

/// A string value or member name, and whether it holds U+0000 (which only a `\u0000` escape
/// can put there: raw control characters are refused), noted while it is read.
struct OracleString {
    var text: String
    var holdsNUL: Bool
}

/// A strict RFC 8259 reader, written for the oracle alone (`JSONSerialization`, which the oracle
/// used before, takes trailing commas, a byte-order mark and nesting to 512, refuses `1e400`, and
/// keeps only the last of repeated names; a fuzzed record meets all of these).
///
/// Accepted: one value with optional whitespace (space, tab, LF, CR) around it; UTF-8 throughout;
/// strings without raw control characters, with the eight short escapes and `\uXXXX`, where a
/// UTF-16 surrogate must be a high one followed by a `\u` low one; numbers in the RFC's grammar;
/// and no value inside more than 128 arrays and objects (the tool's limit: deeper is refused).
enum OracleJSONReader {
    static let deepestNesting = 128

    struct Refused: Error {}

    static func read(_ bytes: [UInt8]) -> OracleNode? {
        // The whole text must be UTF-8 (RFC 8259 §8.1); checking it once up front lets the
        // reader below take any byte at or above 0x80 inside a string as it comes.
        guard String(validating: bytes, as: UTF8.self) != nil else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            var reader = Cursor(bytes: buffer)
            guard let node = try? reader.value(nesting: 0) else { return nil }
            reader.skipSpace()
            return reader.position == buffer.count ? node : nil
        }
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipSpace() {
            while position < bytes.count {
                let byte = bytes[position]
                guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { return }
                position += 1
            }
        }

        mutating func expect(_ byte: UInt8) throws {
            guard current == byte else { throw Refused() }
            position += 1
        }

        /// The byte at the cursor, or 0 at the end (0 is refused wherever a byte is looked at:
        /// raw control characters are not JSON).
        var byte: UInt8 { position < bytes.count ? bytes[position] : 0 }

        mutating func value(nesting: Int) throws -> OracleNode {
            guard nesting <= OracleJSONReader.deepestNesting else { throw Refused() }
            skipSpace()
            guard position < bytes.count else { throw Refused() }
            switch bytes[position] {
            case 0x7B:  // {  (bytes are written as numbers: cheaper than UInt8(ascii:) in a debug build)
                position += 1
                var object = OracleObject()
                skipSpace()
                if current == 0x7D { position += 1; return .object(object) }  // }
                while true {
                    skipSpace()
                    guard byte == 0x22 else { throw Refused() }
                    let name = try string()
                    skipSpace()
                    guard byte == 0x3A else { throw Refused() }  // :
                    position += 1
                    object.add(name, try value(nesting: nesting + 1))
                    skipSpace()
                    let next = byte
                    position += 1
                    if next == 0x2C { continue }  // ,
                    guard next == 0x7D else { throw Refused() }
                    return .object(object)
                }
            case 0x5B:  // [
                position += 1
                var items: [OracleNode] = []
                skipSpace()
                if current == 0x5D { position += 1; return .array(items) }
                while true {
                    items.append(try value(nesting: nesting + 1))
                    skipSpace()
                    let next = byte
                    position += 1
                    if next == 0x2C { continue }  // ,
                    guard next == 0x5D else { throw Refused() }
                    return .array(items)
                }
            case 0x22: return .string(try string())
            case 0x74: try word("true"); return .bool(true)
            case 0x66: try word("false"); return .bool(false)
            case 0x6E: try word("null"); return .null
            default: return .number(try number())
            }
        }

        mutating func word(_ text: String) throws {
            for byte in text.utf8 { try expect(byte) }
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as written.
        mutating func number() throws -> OracleNumber {
            let start = position
            func digits(_ cursor: inout Cursor) -> Int {
                let from = cursor.position
                while let byte = cursor.current, (0x30...0x39).contains(byte) { cursor.position += 1 }
                return cursor.position - from
            }
            if current == 0x2D { position += 1 }  // -
            if current == 0x30 {  // 0
                position += 1
            } else {
                guard digits(&self) > 0 else { throw Refused() }
            }
            if current == 0x2E {  // .
                position += 1
                guard digits(&self) > 0 else { throw Refused() }
            }
            var exponent = false
            if current == 0x65 || current == 0x45 {  // e E
                exponent = true
                position += 1
                if current == 0x2B || current == 0x2D { position += 1 }
                guard digits(&self) > 0 else { throw Refused() }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            // Short numbers without an exponent are far inside every limit.
            return OracleNumber(text: text, fitsNumeric: (!exponent && position - start < 100) || OracleNumeric.fits(text))
        }

        /// The string whose opening quote is at the cursor.
        mutating func string() throws -> OracleString {
            position += 1
            var text = ""
            var holdsNUL = false
            var run = position  // start of the bytes not yet added to `text`
            while true {
                guard position < bytes.count else { throw Refused() }
                let byte = bytes[position]
                if byte == 0x22 {  // the closing quote
                    let tail = String(decoding: UnsafeBufferPointer(rebasing: bytes[run..<position]), as: UTF8.self)
                    position += 1
                    return OracleString(text: text.isEmpty ? tail : text + tail, holdsNUL: holdsNUL)
                }
                guard byte >= 0x20 else { throw Refused() }
                guard byte == 0x5C else { position += 1; continue }  // a backslash starts an escape
                text += String(decoding: UnsafeBufferPointer(rebasing: bytes[run..<position]), as: UTF8.self)
                position += 1
                guard let escape = current else { throw Refused() }
                position += 1
                switch escape {
                case 0x22: text += "\""
                case 0x5C: text += "\\"
                case 0x2F: text += "/"
                case 0x62: text += "\u{08}"
                case 0x66: text += "\u{0C}"
                case 0x6E: text += "\n"
                case 0x72: text += "\r"
                case 0x74: text += "\t"
                case 0x75:  // u
                    let unit = try hex()
                    switch unit {
                    case 0xD800...0xDBFF:
                        try expect(0x5C)
                        try expect(0x75)
                        let low = try hex()
                        guard (0xDC00...0xDFFF).contains(low) else { throw Refused() }
                        text.unicodeScalars.append(Unicode.Scalar(0x10000 + (unit - 0xD800) * 0x400 + (low - 0xDC00))!)
                    case 0xDC00...0xDFFF:
                        throw Refused()
                    default:
                        if unit == 0 { holdsNUL = true }
                        text.unicodeScalars.append(Unicode.Scalar(unit)!)
                    }
                default: throw Refused()
                }
                run = position
            }
        }

        mutating func hex() throws -> UInt32 {
            var unit: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = current, let digit = Int(String(UnicodeScalar(byte)), radix: 16) else { throw Refused() }
                unit = unit * 16 + UInt32(digit)
                position += 1
            }
            return unit
        }
    }
}

extension OracleNode {
    /// The last member named `name`, and how many there are.
    func member(named name: String) -> (value: OracleNode?, count: Int) {
        guard case .object(let object) = self, let value = object.byName[name] else { return (nil, 0) }
        return (value, object.repeats.isEmpty ? 1 : object.repeats[name] ?? 1)
    }

    /// True when a string or member name anywhere in the value holds U+0000.
    var holdsNUL: Bool {
        switch self {
        case .string(let string): return string.holdsNUL
        case .array(let items): return items.contains { $0.holdsNUL }
        case .object(let object): return object.namesHoldNUL || object.anyValue { $0.holdsNUL }
        default: return false
        }
    }

    /// True when a number anywhere in the value is one PostgreSQL's `numeric` refuses.
    var holdsNumberBeyondNumeric: Bool {
        switch self {
        case .number(let number): return !number.fitsNumeric
        case .array(let items): return items.contains { $0.holdsNumberBeyondNumeric }
        case .object(let object): return object.anyValue { $0.holdsNumberBeyondNumeric }
        default: return false
        }
    }
}

/// Which JSON numbers PostgreSQL's `numeric` takes (so a jsonb cast of a payload holding them
/// works), restated from its documented limits and checked against the server by the tests:
/// up to 131072 digits before the decimal point and 16383 after it, counting the digits as
/// written after the exponent is applied, and an exponent below 1073741823 either way.
enum OracleNumeric {
    static func fits(_ text: String) -> Bool {
        var mantissa = Substring(text)
        var exponent = 0
        if let e = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var digits = mantissa[mantissa.index(after: e)...]
            let negative = digits.first == "-"
            if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
            digits = digits.drop { $0 == "0" }
            guard digits.count <= 10, let magnitude = Int(digits.isEmpty ? "0" : digits), magnitude < 1_073_741_823 else { return false }
            exponent = negative ? -magnitude : magnitude
            mantissa = mantissa[..<e]
        }
        if mantissa.first == "-" { mantissa = mantissa.dropFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let whole = parts[0], fraction = parts.count > 1 ? parts[1] : ""
        // Digits after the point as written, moved by the exponent: PostgreSQL's display scale.
        guard fraction.count - exponent <= 16_383 else { return false }
        // The first significant digit's place: 10^place. Zero has none.
        let digits = whole + fraction
        guard let first = digits.firstIndex(where: { $0 != "0" }) else { return true }
        let place = whole.count - 1 - digits.distance(from: digits.startIndex, to: first) + exponent
        return place < 131_072
    }
}
