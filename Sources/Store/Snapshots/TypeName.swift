/// The shapes of type name PostgreSQL's `format_type()` writes, which is what an export records
/// for each column; a manifest's types are checked against them before any DDL is built.
///
/// Import puts a column's type into `CREATE TABLE` as text, so a type that is SQL in disguise
/// (`integer --`, which comments out the NOT NULL after it, or `int); drop table x; --`) must be
/// refused when the manifest is read. `to_regtype` alone is not enough: its parser skips
/// comments. The grammar, with single spaces between words:
///
///     type    := name ('.' name)? part* ('[]')*
///     part    := ' ' word | '(' modifier (',' modifier)* ')'     at most one modifier list
///     name    := [A-Za-z_][A-Za-z0-9_$]* | '"' (any but '"' and controls | '""')+ '"'
///     word    := with | without | time | zone | varying | precision
///              | year | month | day | hour | minute | second | to   (the words format_type writes)
///     modifier:= [A-Za-z0-9_]+                                    20, 10,2, Point,4326
///
/// It accepts `integer`, `timestamp(3) with time zone`, `character varying(20)[]`,
/// `numeric(10,2)`, `interval day to second(3)`, `"char"`, `public."My Type"`, `vector(384)`;
/// nothing in it can start a comment, end a statement or open a string.
public enum TypeName {
    public static let words: Set<String> = ["with", "without", "time", "zone", "varying", "precision",
                                     "year", "month", "day", "hour", "minute", "second", "to"]

    public static func isValid(_ text: String) -> Bool {
        var scanner = Scanner(Array(text.unicodeScalars))
        guard scanner.name() else { return false }
        if scanner.take(".") { guard scanner.name() else { return false } }
        var modifiers = false
        while !scanner.atEnd, !scanner.peek("[") {
            if scanner.take(" ") {
                let start = scanner.index
                guard scanner.word(), words.contains(String(String.UnicodeScalarView(scanner.scalars[start..<scanner.index]))) else { return false }
            } else if !modifiers, scanner.take("(") {
                modifiers = true
                repeat { guard scanner.modifier() else { return false } } while scanner.take(",")
                guard scanner.take(")") else { return false }
            } else {
                return false
            }
        }
        while scanner.take("[") { guard scanner.take("]") else { return false } }
        return scanner.atEnd
    }

    private struct Scanner {
        public let scalars: [Unicode.Scalar]
        public var index = 0
        public init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        public var atEnd: Bool { index == scalars.count }
        public func peek(_ scalar: Unicode.Scalar) -> Bool { !atEnd && scalars[index] == scalar }

        public mutating func take(_ scalar: Unicode.Scalar) -> Bool {
            guard peek(scalar) else { return false }
            index += 1
            return true
        }

        /// One or more scalars matching `predicate`.
        public mutating func run(_ predicate: (Unicode.Scalar) -> Bool) -> Bool {
            let start = index
            while !atEnd, predicate(scalars[index]) { index += 1 }
            return index > start
        }

        public mutating func name() -> Bool {
            if take("\"") {
                var length = 0
                while !atEnd {
                    let scalar = scalars[index]
                    if scalar == "\"" {
                        if index + 1 < scalars.count, scalars[index + 1] == "\"" { index += 2; length += 1; continue }
                        index += 1
                        return length > 0
                    }
                    if scalar.value < 0x20 || scalar.value == 0x7F { return false }
                    index += 1
                    length += 1
                }
                return false
            }
            guard !atEnd, Self.isLetter(scalars[index]) || scalars[index] == "_" else { return false }
            return run { Self.isLetter($0) || Self.isDigit($0) || $0 == "_" || $0 == "$" }
        }

        public mutating func word() -> Bool { run { ("a"..."z").contains($0) } }
        public mutating func modifier() -> Bool { run { Self.isLetter($0) || Self.isDigit($0) || $0 == "_" } }

        public static func isLetter(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }
        public static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
    }
}
