/// Why a byte sequence is not JSON; the position helps when a person reads a quarantine row.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// A strict RFC 8259 parser over raw bytes.
///
/// Written for the ingest hot path: no Foundation, and besides a tree (`parse`) it can check a
/// document while keeping only where each member lies (`scanObject`), so the event decoder
/// makes Strings of the few fields it keeps and stores `payload` byte-for-byte.
public struct JSONParser: ~Copyable {
    /// Deep nesting is never legitimate in an event and would otherwise overflow the stack.
    public static let maximumDepth = 128

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    /// Set by `decodeString` when the string it decoded holds U+0000 (a `\u0000` escape).
    private var decodedNUL = false

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Parses one complete JSON document.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        try parser.expectEnd()
        return value
    }

    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        let result: Result<JSONValue, JSONSyntaxError> = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONSyntaxError) in try parse(raw) }
        }
        return try result.get()
    }

    /// The members of a top-level object as spans, or nil when the document is valid JSON but
    /// not an object. Every value is checked as strictly as `parse` checks it, yet nothing is
    /// allocated per value: the event decoder makes Strings only of the fields it keeps. When the
    /// member named `nested` is an object, its span and members come back too (the last such
    /// member's, as a repeated key's value is the last), so it need not be scanned again. Spans
    /// carry the `JSONSpan.Flags` of what they hold.
    static func scanObject(_ bytes: UnsafeRawBufferPointer, nested: StaticString? = nil)
        throws(JSONSyntaxError) -> (members: [JSONMember], nested: (span: JSONSpan, members: [JSONMember])?)? {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        guard parser.peek() == UInt8(ascii: "{") else {
            _ = try parser.scanValue(depth: 0)
            try parser.expectEnd()
            return nil
        }
        var members: [JSONMember] = []
        members.reserveCapacity(8)
        var inner: (span: JSONSpan, members: [JSONMember])?
        try parser.members { (parser: inout JSONParser, key: JSONSpan) throws(JSONSyntaxError) in
            let isNested = nested.map { JSONParser.text(of: key, in: bytes, equals: $0) } ?? false
            guard isNested, parser.peek() == UInt8(ascii: "{") else {
                if isNested { inner = nil }  // a later value that is not an object replaces it
                members.append(JSONMember(key: key, value: try parser.scanValue(depth: 1)))
                return
            }
            let start = parser.index
            var found: [JSONMember] = []
            found.reserveCapacity(8)
            var flags: JSONSpan.Flags = []
            try parser.members { (parser: inout JSONParser, key: JSONSpan) throws(JSONSyntaxError) in
                let value = try parser.scanValue(depth: 2)
                flags.formUnion(key.flags)
                flags.formUnion(value.flags)
                found.append(JSONMember(key: key, value: value))
            }
            let span = JSONSpan(kind: .object, range: start..<parser.index, flags: flags)
            members.append(JSONMember(key: key, value: span))
            inner = (span, found)
        }
        try parser.expectEnd()
        return (members, inner)
    }

    /// A string span's text as UTF-8: its own bytes, or decoded when it has escapes.
    static func withText<T>(of span: JSONSpan, in bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        guard span.kind == .string(escaped: true) else { return body(UnsafeRawBufferPointer(rebasing: bytes[span.range])) }
        var text = string(span, in: bytes)
        return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    /// Whether a string span's text is `text` (member names are looked up this way, so the usual
    /// case — no escapes — compares bytes in place).
    static func text(of span: JSONSpan, in bytes: UnsafeRawBufferPointer, equals text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard span.kind == .string(escaped: false) else {
            return withText(of: span, in: bytes) { sameBytes($0.baseAddress, text.utf8Start, $0.count, count) }
        }
        return sameBytes(bytes.baseAddress.map { $0 + span.range.lowerBound }, text.utf8Start, span.range.count, count)
    }

    @inline(__always)
    private static func sameBytes(_ a: UnsafeRawPointer?, _ b: UnsafePointer<UInt8>, _ aCount: Int, _ bCount: Int) -> Bool {
        guard aCount == bCount else { return false }
        guard let a else { return bCount == 0 }
        let bytes = a.assumingMemoryBound(to: UInt8.self)
        for i in 0..<aCount where bytes[i] != b[i] { return false }
        return true
    }

    /// The text of a string span of `bytes` (which `scanObject` or `scanValue` checked).
    static func string(_ span: JSONSpan, in bytes: UnsafeRawBufferPointer) -> String {
        let content = UnsafeRawBufferPointer(rebasing: bytes[span.range]).bindMemory(to: UInt8.self)
        guard span.kind == .string(escaped: true) else { return String(decoding: content, as: UTF8.self) }
        var parser = JSONParser(bytes)
        parser.index = span.range.lowerBound - 1
        do {
            return try parser.decodeString()
        } catch {
            preconditionFailure("a checked string span no longer parses: \(error)")
        }
    }

    /// The number a number span of `bytes` holds, with its exact integer when it is written as one.
    static func number(_ span: JSONSpan, in bytes: UnsafeRawBufferPointer) -> (Double, integer: Int64?) {
        var parser = JSONParser(UnsafeRawBufferPointer(rebasing: bytes[span.range]))
        do {
            guard case let .number(double, integer) = try parser.parseNumber() else { preconditionFailure("not a number") }
            return (double, integer)
        } catch {
            preconditionFailure("a checked number span no longer parses: \(error)")
        }
    }

    // MARK: - Grammar

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= JSONParser.maximumDepth else { throw error("nesting deeper than \(JSONParser.maximumDepth)") }
        guard let byte = peek() else { throw error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character")
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        try self.members { (parser: inout JSONParser, key: JSONSpan) throws(JSONSyntaxError) in
            members.append((JSONParser.string(key, in: parser.bytes), try parser.parseValue(depth: depth + 1)))
        }
        return .object(members)
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        var items: [JSONValue] = []
        try self.items { (parser: inout JSONParser) throws(JSONSyntaxError) in items.append(try parser.parseValue(depth: depth + 1)) }
        return .array(items)
    }

    /// Checks the value at the cursor as `parseValue` would and says what and where it is.
    private mutating func scanValue(depth: Int) throws(JSONSyntaxError) -> JSONSpan {
        guard depth <= JSONParser.maximumDepth else { throw error("nesting deeper than \(JSONParser.maximumDepth)") }
        guard let byte = peek() else { throw error("unexpected end of input") }
        let start = index
        let kind: JSONSpan.Kind
        var flags: JSONSpan.Flags = []
        switch byte {
        case UInt8(ascii: "{"):
            try members { (parser: inout JSONParser, key: JSONSpan) throws(JSONSyntaxError) in
                flags.formUnion(key.flags)
                flags.formUnion(try parser.scanValue(depth: depth + 1).flags)
            }
            kind = .object
        case UInt8(ascii: "["):
            try items { (parser: inout JSONParser) throws(JSONSyntaxError) in flags.formUnion(try parser.scanValue(depth: depth + 1).flags) }
            kind = .array
        case UInt8(ascii: "\""): return try scanString()
        case UInt8(ascii: "t"): try literal("true"); kind = .bool(true)
        case UInt8(ascii: "f"): try literal("false"); kind = .bool(false)
        case UInt8(ascii: "n"): try literal("null"); kind = .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            if !(try scanNumber().fitsNumeric) { flags = .beyondNumeric }
            kind = .number
        default: throw error("unexpected character")
        }
        return JSONSpan(kind: kind, range: start..<index, flags: flags)
    }

    /// Walks the object at the cursor: `member` gets each key and must consume its value.
    private mutating func members(_ member: (inout JSONParser, JSONSpan) throws(JSONSyntaxError) -> Void) throws(JSONSyntaxError) {
        index += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let key = try scanString()
            skipWhitespace()
            try consume(UInt8(ascii: ":"), "expected ':' after a member name")
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { index += 1; continue }
            try consume(UInt8(ascii: "}"), "expected ',' or '}' in an object")
            return
        }
    }

    /// Walks the array at the cursor: `item` must consume each item.
    private mutating func items(_ item: (inout JSONParser) throws(JSONSyntaxError) -> Void) throws(JSONSyntaxError) {
        index += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { index += 1; return }
        while true {
            skipWhitespace()
            try item(&self)
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { index += 1; continue }
            try consume(UInt8(ascii: "]"), "expected ',' or ']' in an array")
            return
        }
    }

    /// Checks the string at the cursor without making it: the span of its content, and whether
    /// escapes mean its text differs from those bytes.
    private mutating func scanString() throws(JSONSyntaxError) -> JSONSpan {
        let quote = index
        if let plain = try scanPlainString() { return plain }
        // Escapes: decoded once to check them (rare in events), then only the span is kept.
        index = quote
        _ = try decodeString()
        return JSONSpan(kind: .string(escaped: true), range: (quote + 1)..<(index - 1), flags: decodedNUL ? .nul : [])
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        let quote = index
        if let plain = try scanPlainString() { return JSONParser.string(plain, in: bytes) }
        index = quote
        return try decodeString()
    }

    /// The string at the cursor when it has no escapes (its bytes are its text, UTF-8 checked);
    /// nil, with the cursor somewhere inside it, at its first escape.
    private mutating func scanPlainString() throws(JSONSyntaxError) -> JSONSpan? {
        index += 1  // opening quote
        let start = index
        // Eight bytes at a time while none of them is a quote, a backslash or a control character
        // (SWAR: a byte below n shows as a borrow into its high bit), noting any non-ASCII byte.
        var high: UInt64 = 0
        if let base = bytes.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            while index + 8 <= bytes.count {
                let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
                let special = ((word &- ones &* 0x20) & ~word) | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
                if special & highs != 0 { break }  // (or a false alarm: the bytes below look again)
                high |= word
                index += 8
            }
            high &= highs
        }
        var highByte: UInt8 = high == 0 ? 0 : 0x80
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let content = start..<index
                index += 1
                if highByte >= 0x80, !UTF8Validation.isValid(UnsafeRawBufferPointer(rebasing: bytes[content])) {
                    throw JSONSyntaxError(offset: start, reason: "invalid UTF-8 in a string")
                }
                return JSONSpan(kind: .string(escaped: false), range: content)
            }
            if byte == UInt8(ascii: "\\") { return nil }
            if byte < 0x20 { throw error("control character in a string") }
            highByte |= byte
            index += 1
        }
        throw error("unterminated string")
    }

    /// The string at the cursor, escapes decoded; notes in `decodedNUL` whether it holds U+0000.
    private mutating func decodeString() throws(JSONSyntaxError) -> String {
        decodedNUL = false
        index += 1  // opening quote
        let start = index
        var buffer: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                let result: Result<String, JSONSyntaxError> = buffer.withUnsafeBufferPointer { b in
                    Result { () throws(JSONSyntaxError) in try makeString(b, at: start) }
                }
                return try result.get()
            case UInt8(ascii: "\\"):
                index += 1
                guard let escaped = peek() else { throw error("unterminated escape") }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""): buffer.append(0x22)
                case UInt8(ascii: "\\"): buffer.append(0x5C)
                case UInt8(ascii: "/"): buffer.append(0x2F)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard peek() == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired surrogate")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("unpaired surrogate")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid code point") }
                    if scalar == 0 { decodedNUL = true }
                    buffer.append(contentsOf: UTF8.encode(unicode)!)
                default: throw error("invalid escape")
                }
            default:
                if byte < 0x20 { throw error("control character in a string") }
                buffer.append(byte)
                index += 1
            }
        }
        throw error("unterminated string")
    }

    /// A decoded string's bytes as text; escapes may have written any bytes, so they are checked.
    private func makeString(_ utf8: UnsafeBufferPointer<UInt8>, at offset: Int) throws(JSONSyntaxError) -> String {
        guard UTF8Validation.isValid(UnsafeRawBufferPointer(utf8)) else {
            throw JSONSyntaxError(offset: offset, reason: "invalid UTF-8 in a string")
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        if let integer = try scanNumber().integer { return .number(Double(integer), integer: integer) }
        if let exact = Self.shortDecimal(UnsafeRawBufferPointer(rebasing: bytes[start..<index])) { return .number(exact, integer: nil) }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(text) else { throw JSONSyntaxError(offset: start, reason: "unreadable number") }
        return .number(double, integer: nil)
    }

    /// A checked number written `-ddd.ddd` with at most 15 digits in all, without String or
    /// strtod (sensor readings are mostly such numbers): the digits make an integer below 2^53
    /// and the divisor a power of ten up to 10^15, both exact as doubles, so the one division
    /// rounds correctly — the value strtod gives. Nil for any other form.
    private static func shortDecimal(_ text: UnsafeRawBufferPointer) -> Double? {
        var mantissa: Int64 = 0
        var digits = 0
        var fraction = -1
        var negative = false
        for (i, byte) in text.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where i == 0: negative = true
            case UInt8(ascii: "."): fraction = 0
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                mantissa = mantissa * 10 + Int64(byte - UInt8(ascii: "0"))
                digits += 1
                if fraction >= 0 { fraction += 1 }
                guard digits <= 15 else { return nil }
            default: return nil  // an exponent
            }
        }
        guard fraction > 0 else { return nil }
        let value = Double(mantissa) / Self.powersOfTen[fraction]
        return negative ? -value : value
    }

    private static let powersOfTen: [Double] = (0...15).map { exponent in (0..<exponent).reduce(1.0) { product, _ in product * 10 } }

    /// Checks the number at the cursor. `integer`: its value when it is written as an integer that
    /// fits an Int64 (no fraction, no exponent), nil for any other number. `fitsNumeric`: whether
    /// PostgreSQL's `numeric` takes it (`PostgresNumeric`), worked out from the digit counts this
    /// loop has anyway.
    private mutating func scanNumber() throws(JSONSyntaxError) -> (integer: Int64?, fitsNumeric: Bool) {
        var negative = false
        if peek() == UInt8(ascii: "-") { negative = true; index += 1 }
        guard let first = peek(), isDigit(first) else { throw error("invalid number") }
        var integer: Int64 = 0
        var overflow = false
        let integerStart = index
        if first == UInt8(ascii: "0") {
            index += 1
            if let next = peek(), isDigit(next) { throw error("leading zero in a number") }
        } else {
            while let byte = peek(), isDigit(byte) {
                let (m, o1) = integer.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                integer = a
                index += 1
            }
        }
        let integerDigits = index - integerStart
        var isInteger = true
        var fractionDigits = 0
        var fractionZeros = -1  // zeros before the first non-zero fraction digit; -1 while all are zero
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            let fractionStart = index
            guard let byte = peek(), isDigit(byte) else { throw error("digit expected after '.'") }
            while let byte = peek(), isDigit(byte) {
                if fractionZeros < 0 && byte != UInt8(ascii: "0") { fractionZeros = index - fractionStart }
                index += 1
            }
            fractionDigits = index - fractionStart
        }
        var exponent = 0
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            var negativeExponent = false
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                negativeExponent = sign == UInt8(ascii: "-")
                index += 1
            }
            guard let byte = peek(), isDigit(byte) else { throw error("digit expected in exponent") }
            while let byte = peek(), isDigit(byte) {
                exponent = min(exponent * 10 + Int(byte - UInt8(ascii: "0")), PostgresNumeric.exponentLimit + 1)  // saturates
                index += 1
            }
            if negativeExponent { exponent = -exponent }
        }
        let fits = PostgresNumeric.fits(integerDigits: integerDigits, integerIsZero: first == UInt8(ascii: "0"),
                                        fractionDigits: fractionDigits, fractionZeros: fractionZeros, exponent: exponent)
        guard isInteger && !overflow else { return (nil, fits) }
        return (negative ? -integer : integer, fits)
    }

    // MARK: - Bytes

    @inline(__always) private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }
    @inline(__always) private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func consume(_ byte: UInt8, _ message: String) throws(JSONSyntaxError) {
        guard peek() == byte else { throw error(message) }
        index += 1
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of input") }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] { throw error("invalid literal") }
        index += count
    }

    private mutating func expectEnd() throws(JSONSyntaxError) {
        skipWhitespace()
        if index != bytes.count { throw error("trailing characters after the document") }
    }

    private func error(_ reason: String) -> JSONSyntaxError { JSONSyntaxError(offset: index, reason: reason) }
}
