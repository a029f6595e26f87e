/// The part of TOML a rules file uses, parsed with the line of every key kept, so that every
/// error — a syntax error here, or an unknown column or a missing reason found later — names
/// the line to fix. (TOMLKit, the package mirror's TOML library, reports positions only for
/// syntax errors: see docs/decisions/0023-verdict-rules-format.md.)
///
/// Accepted, as TOML 1.0 defines them: comments, `[table.headers]`, `key = value` with bare,
/// quoted and dotted keys, basic and literal strings on one line, decimal integers and floats
/// (with `_` between digits), booleans, arrays (over several lines, trailing comma allowed) and
/// inline tables. Refused with a sentence that says so: arrays of tables, multi-line strings,
/// dates, hexadecimal/octal/binary integers, `inf` and `nan`. Any file this accepts is valid
/// TOML and means the same to other TOML readers.
enum RulesTOML {
    /// A value and the line it starts on.
    struct Value: Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            case string(String)
            case integer(Int)
            /// The number and its text as written (reports show `1e-12`, not `1e-12` reformatted).
            case float(Double, text: String)
            case bool(Bool)
            case array([Value])
            case table(Table)
        }
        var kind: Kind
        var line: Int

        /// What the value is, for error messages.
        var typeName: String {
            switch kind {
            case .string: "a string"
            case .integer: "an integer"
            case .float: "a float"
            case .bool: "a boolean"
            case .array: "an array"
            case .table: "a table"
            }
        }
    }

    /// A table: its keys in file order, and the line that opened it (a header, an inline table,
    /// or the first key that created it implicitly).
    struct Table: Sendable, Equatable {
        var entries: [(key: String, value: Value)] = []
        var line: Int
        /// Opened by its own `[header]` (a second header for it is an error).
        var explicit = false

        subscript(key: String) -> Value? { entries.first { $0.key == key }?.value }

        static func == (lhs: Table, rhs: Table) -> Bool {
            lhs.line == rhs.line && lhs.entries.map(\.key) == rhs.entries.map(\.key)
                && lhs.entries.map(\.value) == rhs.entries.map(\.value)
        }
    }

    /// Parses `text`; errors read `path:line: what is wrong`.
    static func parse(_ text: String, path: String) throws -> Table {
        var parser = Parser(bytes: Array(text.utf8), path: path)
        return try parser.document()
    }

    struct Parser {
        let bytes: [UInt8]
        let path: String
        var position = 0
        var line = 1
        var root = Table(line: 1, explicit: true)
        /// The table `key = value` lines go into: the path of the last header.
        var current: [String] = []

        init(bytes: [UInt8], path: String) {
            self.bytes = bytes
            self.path = path
        }

        func error(_ message: String, line: Int? = nil) -> ReconcileError {
            ReconcileError(code: .invalidRules, message: "\(path):\(line ?? self.line): \(message)")
        }

        var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func document() throws -> Table {
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
            while true {
                skipBlanks()
                guard let byte = peek else { return root }
                switch byte {
                case UInt8(ascii: "\n"): advanceLine()
                case UInt8(ascii: "\r"):
                    position += 1
                    guard peek == UInt8(ascii: "\n") else { throw error("a carriage return must be followed by a line feed") }
                case UInt8(ascii: "#"): skipComment()
                case UInt8(ascii: "["): try header()
                default: try keyValue(into: current)
                }
            }
        }

        // MARK: Lines

        mutating func header() throws {
            let headerLine = line
            position += 1
            if peek == UInt8(ascii: "[") {
                throw error("arrays of tables ([[…]]) are not used in a rules file; write each rule as its own [section]")
            }
            skipBlanks()
            let path = try key()
            skipBlanks()
            guard peek == UInt8(ascii: "]") else { throw error("expected ']' to close the table header [\(path.joined(separator: "."))") }
            position += 1
            try endOfLine()
            try defineTable(path, line: headerLine)
            current = path
        }

        /// `key = value` up to the end of the line, stored under `prefix`.
        mutating func keyValue(into prefix: [String]) throws {
            let keyLine = line
            let path = try key()
            skipBlanks()
            guard peek == UInt8(ascii: "=") else {
                throw error("expected '=' after the key \(path.joined(separator: "."))" + (peek == nil || peek == UInt8(ascii: "\n") ? " (a key needs a value)" : ""))
            }
            position += 1
            skipBlanks()
            let value = try self.value()
            try endOfLine()
            try store(prefix + path, value, line: keyLine)
        }

        mutating func endOfLine() throws {
            skipBlanks()
            guard let byte = peek else { return }
            if byte == UInt8(ascii: "#") { skipComment(); return }
            if byte == UInt8(ascii: "\n") { advanceLine(); return }
            if byte == UInt8(ascii: "\r"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "\n") {
                position += 1
                advanceLine()
                return
            }
            throw error("unexpected \(describe(byte)) after the value; one key = value per line")
        }

        // MARK: Keys

        /// A dotted key: `a`, `a.b`, `"quoted key".c`.
        mutating func key() throws -> [String] {
            var parts: [String] = []
            while true {
                skipBlanks()
                parts.append(try simpleKey())
                skipBlanks()
                guard peek == UInt8(ascii: ".") else { return parts }
                position += 1
            }
        }

        mutating func simpleKey() throws -> String {
            guard let byte = peek else { throw error("expected a key, found the end of the file") }
            if byte == UInt8(ascii: "\"") { return try basicString() }
            if byte == UInt8(ascii: "'") { return try literalString() }
            let start = position
            while let byte = peek, Self.isBareKey(byte) { position += 1 }
            guard position > start else { throw error("expected a key (letters, digits, _ and -), found \(describe(byte))") }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        static func isBareKey(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }

        // MARK: Values

        mutating func value() throws -> Value {
            let valueLine = line
            guard let byte = peek, byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "#") else {
                throw error("expected a value after '='")
            }
            switch byte {
            case UInt8(ascii: "\""):
                if bytes[position...].starts(with: Array("\"\"\"".utf8)) {
                    throw error("multi-line strings are not used in a rules file; keep the text on one line")
                }
                return Value(kind: .string(try basicString()), line: valueLine)
            case UInt8(ascii: "'"):
                if bytes[position...].starts(with: Array("'''".utf8)) {
                    throw error("multi-line strings are not used in a rules file; keep the text on one line")
                }
                return Value(kind: .string(try literalString()), line: valueLine)
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "{"): return try inlineTable()
            default:
                let start = position
                while let byte = peek, !Self.endsBareValue(byte) { position += 1 }
                let word = String(decoding: bytes[start..<position], as: UTF8.self)
                return Value(kind: try scalar(word), line: valueLine)
            }
        }

        static func endsBareValue(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "#") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")
        }

        /// true/false, an integer or a float, strictly as TOML writes them.
        func scalar(_ word: String) throws -> Value.Kind {
            if word == "true" { return .bool(true) }
            if word == "false" { return .bool(false) }
            if ["inf", "+inf", "-inf", "nan", "+nan", "-nan"].contains(word) {
                throw error("\(word) is not allowed in a rules file; write a finite number")
            }
            let unsigned = word.hasPrefix("+") || word.hasPrefix("-") ? word.dropFirst() : Substring(word)
            if unsigned.hasPrefix("0x") || unsigned.hasPrefix("0o") || unsigned.hasPrefix("0b") {
                throw error("write numbers in decimal, not \(word)")
            }
            if unsigned.count >= 10, unsigned.dropFirst(4).first == "-", unsigned.prefix(4).allSatisfy(\.isNumber) {
                throw error("dates are not used in a rules file (found \(word))")
            }
            guard Self.isTOMLNumber(unsigned) else {
                throw error(word.isEmpty ? "expected a value after '='"
                            : "\(word) is not a value: write text in \"quotes\", a number such as 50 or 1e-9, or true/false")
            }
            let digits = word.replacingOccurrences(of: "_", with: "")
            if !unsigned.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                guard let integer = Int(digits) else { throw error("\(word) is too large a number") }
                return .integer(integer)
            }
            guard let float = Double(digits), float.isFinite else { throw error("\(word) is not a finite number") }
            return .float(float, text: word)
        }

        /// TOML's decimal integer or float without its sign: digits with single `_` between
        /// them, no leading zero, an optional `.digits` and an optional exponent.
        static func isTOMLNumber(_ text: Substring) -> Bool {
            var rest = text[...]
            func digits(allowLeadingZero: Bool) -> Bool {
                let run = rest.prefix { $0.isASCII && ($0.isNumber || $0 == "_") }
                guard let first = run.first, first != "_", run.last != "_", !run.contains("__") else { return false }
                if !allowLeadingZero, first == "0", run.count > 1 { return false }
                rest = rest.dropFirst(run.count)
                return true
            }
            guard digits(allowLeadingZero: false) else { return false }
            if rest.first == "." {
                rest = rest.dropFirst()
                guard digits(allowLeadingZero: true) else { return false }
            }
            if rest.first == "e" || rest.first == "E" {
                rest = rest.dropFirst()
                if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
                guard digits(allowLeadingZero: true) else { return false }
            }
            return rest.isEmpty
        }

        mutating func array() throws -> Value {
            let arrayLine = line
            position += 1
            var items: [Value] = []
            while true {
                try skipBlanksAndLines()
                guard let byte = peek else { throw error("the array opened on line \(arrayLine) is not closed with ']'") }
                if byte == UInt8(ascii: "]") {
                    position += 1
                    return Value(kind: .array(items), line: arrayLine)
                }
                items.append(try value())
                try skipBlanksAndLines()
                if peek == UInt8(ascii: ",") {
                    position += 1
                } else if peek != UInt8(ascii: "]") {
                    throw error(peek == nil ? "the array opened on line \(arrayLine) is not closed with ']'"
                                : "expected ',' or ']' in the array, found \(describe(peek!))")
                }
            }
        }

        /// `{ key = value, … }` on one line.
        mutating func inlineTable() throws -> Value {
            let tableLine = line
            position += 1
            var table = Table(line: tableLine, explicit: true)
            skipBlanks()
            if peek == UInt8(ascii: "}") {
                position += 1
                return Value(kind: .table(table), line: tableLine)
            }
            while true {
                skipBlanks()
                let keyLine = line
                let path = try key()
                skipBlanks()
                guard peek == UInt8(ascii: "=") else { throw error("expected '=' after the key \(path.joined(separator: ".")) in the inline table") }
                position += 1
                skipBlanks()
                let item = try value()
                try Self.insert(path, item, into: &table, line: keyLine, error: { error($0, line: $1) })
                skipBlanks()
                guard let byte = peek, byte != UInt8(ascii: "\n") else {
                    throw error("an inline table must be closed with '}' on the line it starts")
                }
                position += 1
                if byte == UInt8(ascii: "}") { return Value(kind: .table(table), line: tableLine) }
                guard byte == UInt8(ascii: ",") else { throw error("expected ',' or '}' in the inline table, found \(describe(byte))") }
            }
        }

        mutating func basicString() throws -> String {
            position += 1
            var result: [UInt8] = []
            while true {
                guard let byte = peek, byte != UInt8(ascii: "\n") else { throw error("the string is not closed with \" on this line") }
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: result, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = peek else { throw error("the string is not closed with \" on this line") }
                    position += 1
                    switch escaped {
                    case UInt8(ascii: "\""): result.append(UInt8(ascii: "\""))
                    case UInt8(ascii: "\\"): result.append(UInt8(ascii: "\\"))
                    case UInt8(ascii: "n"): result.append(UInt8(ascii: "\n"))
                    case UInt8(ascii: "t"): result.append(UInt8(ascii: "\t"))
                    case UInt8(ascii: "r"): result.append(UInt8(ascii: "\r"))
                    case UInt8(ascii: "b"): result.append(0x08)
                    case UInt8(ascii: "f"): result.append(0x0C)
                    case UInt8(ascii: "u"), UInt8(ascii: "U"):
                        let count = escaped == UInt8(ascii: "u") ? 4 : 8
                        let hex = String(decoding: bytes[position..<min(position + count, bytes.count)], as: UTF8.self)
                        guard hex.count == count, let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else {
                            throw error("\\\(Character(Unicode.Scalar(escaped))) must be followed by \(count) hex digits of a Unicode scalar")
                        }
                        position += count
                        result.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default:
                        throw error("unknown escape \\\(Character(Unicode.Scalar(escaped))) in the string")
                    }
                default:
                    if byte < 0x20 && byte != UInt8(ascii: "\t") || byte == 0x7F { throw error("a control character in the string; write it as an escape") }
                    result.append(byte)
                }
            }
        }

        mutating func literalString() throws -> String {
            position += 1
            let start = position
            while let byte = peek, byte != UInt8(ascii: "'") {
                if byte == UInt8(ascii: "\n") { break }
                position += 1
            }
            guard peek == UInt8(ascii: "'") else { throw error("the string is not closed with ' on this line") }
            defer { position += 1 }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        // MARK: Whitespace

        mutating func skipBlanks() {
            while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { position += 1 }
        }

        mutating func skipComment() {
            while let byte = peek, byte != UInt8(ascii: "\n") { position += 1 }
        }

        /// Blanks, comments and line ends (inside arrays).
        mutating func skipBlanksAndLines() throws {
            while true {
                skipBlanks()
                switch peek {
                case UInt8(ascii: "#"): skipComment()
                case UInt8(ascii: "\n"): advanceLine()
                case UInt8(ascii: "\r"): position += 1
                default: return
                }
            }
        }

        mutating func advanceLine() {
            position += 1
            line += 1
        }

        func describe(_ byte: UInt8) -> String {
            if byte == UInt8(ascii: "\n") { return "the end of the line" }
            if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
            return "byte 0x\(String(byte, radix: 16))"
        }
    }
}
