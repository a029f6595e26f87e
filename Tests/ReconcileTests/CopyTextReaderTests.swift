import Testing
import Postgres
@testable import Reconcile

@Suite("COPY text reader")
struct CopyTextReaderTests {
    /// Parses `text` fed in pieces cut at `cuts` (byte offsets), as copyOut may deliver it.
    static func parse(_ text: [UInt8], fields: Int, cuts: [Int] = []) throws -> [[String?]] {
        var reader = CopyTextReader(fieldCount: fields, source: "test")
        var rows = CopyRows(fieldCount: fields)
        var start = 0
        for cut in cuts + [text.count] {
            try text[start..<cut].withUnsafeBytes { try reader.consume($0, into: &rows) }
            start = cut
        }
        try reader.finish()
        return (0..<rows.count).map { row in (0..<fields).map { rows.string(row, $0) } }
    }

    @Test("undoes every escape PostgreSQL writes and tells NULL from the text \\N")
    func escapes() throws {
        let input = Array("a\\tb\\nc\\\\d\t\\N\t\\\\N\t\t\\r\\b\\f\\v\n".utf8)
        let rows = try Self.parse(input, fields: 5)
        #expect(rows == [["a\tb\nc\\d", nil, "\\N", "", "\r\u{8}\u{C}\u{B}"]])
    }

    @Test("reads octal and hex escapes and passes other escaped characters through")
    func octalAndHex() throws {
        let rows = try Self.parse(Array("\\101\\x42\\x4a\\7\\q\\xz\n".utf8), fields: 1)
        #expect(rows == [["ABJ\u{7}qxz"]])
    }

    @Test("gives the same rows wherever the chunks are cut, multi-byte characters included")
    func everyCut() throws {
        let input = Array("k1\tä漢\\t🦀\t\\N\nk2\t\t\\\\\n\\N\tx\\ny\t\n".utf8)
        let expected: [[String?]] = [["k1", "ä漢\t🦀", nil], ["k2", "", "\\"], [nil, "x\ny", ""]]
        for cut in 0...input.count {
            #expect(try Self.parse(input, fields: 3, cuts: [cut]) == expected, "cut at \(cut)")
        }
        for first in stride(from: 0, through: input.count, by: 3) {
            for second in first...input.count {
                #expect(try Self.parse(input, fields: 3, cuts: [first, second]) == expected)
            }
        }
    }

    @Test("refuses a row with the wrong number of fields")
    func wrongFieldCount() {
        #expect(throws: PostgresError.self) { try Self.parse(Array("a\tb\n".utf8), fields: 3) }
        #expect(throws: PostgresError.self) { try Self.parse(Array("a\tb\tc\td\n".utf8), fields: 3) }
    }

    @Test("refuses data that ends in the middle of a row")
    func truncated() throws {
        do {
            _ = try Self.parse(Array("a\tb\nc\t".utf8), fields: 2)
            Issue.record("a cut-off row was accepted")
        } catch let error as PostgresError {
            #expect(error.code == .protocolViolation)
            #expect(error.description.contains("row 2"))
        }
    }

    @Test("refuses a lone backslash at the end of a row")
    func loneBackslash() {
        #expect(throws: PostgresError.self) { try Self.parse(Array("ab\\\n".utf8), fields: 1) }
    }

    @Test("orders fields byte-wise like COLLATE \"C\" and compares floats with -0 equal to 0")
    func comparisons() throws {
        var reader = CopyTextReader(fieldCount: 1, source: "test")
        var rows = CopyRows(fieldCount: 1)
        let input = Array("a\nab\nb\nZ\né\n0\n-0\n1\n\\N\n".utf8)
        try input.withUnsafeBytes { try reader.consume($0, into: &rows) }
        func order(_ lhs: Int, _ rhs: Int) -> Int { CopyRows.compare(rows, lhs, rows, rhs, field: 0).signum() }
        #expect(order(0, 1) == -1)  // a < ab (prefix first)
        #expect(order(1, 2) == -1)  // ab < b
        #expect(order(3, 0) == -1)  // Z < a (bytes, not dictionary order)
        #expect(order(2, 4) == -1)  // b < é (0xC3…)
        #expect(order(8, 0) == -1)  // NULL first
        #expect(CopyRows.floatFieldsEqual(rows, 5, rows, 6, field: 0))
        #expect(!CopyRows.fieldsEqual(rows, 5, rows, 6, field: 0))
        #expect(!CopyRows.floatFieldsEqual(rows, 5, rows, 7, field: 0))
        #expect(!CopyRows.floatFieldsEqual(rows, 5, rows, 8, field: 0))
        #expect(CopyRows.fieldsEqual(rows, 8, rows, 8, field: 0))
    }
}

@Suite("jsonb text equality")
struct JSONTextEqualityTests {
    static func equal(_ lhs: String, _ rhs: String) -> Bool { JSONTextEquality.equal(Array(lhs.utf8), Array(rhs.utf8)) }

    @Test("ignores a number's scale as jsonb's = does, and nothing else")
    func numbers() {
        #expect(Self.equal("{\"a\": 1.0, \"b\": [1.50, 0.0, 100]}", "{\"a\": 1, \"b\": [1.5, 0, 100]}"))
        #expect(!Self.equal("[100]", "[1]"))
        #expect(!Self.equal("[1.05]", "[1.5]"))
        #expect(!Self.equal("[10]", "[1.0]"))
        #expect(!Self.equal("{\"a\": 1}", "{\"a\": 2}"))
    }

    @Test("leaves strings alone, escaped quotes and number-like text included")
    func strings() {
        #expect(!Self.equal("[\"1.0\"]", "[\"1\"]"))
        #expect(!Self.equal("[\"a\\\" 1.0\"]", "[\"a\\\" 1\"]"))
        #expect(Self.equal("[\"a\\\\\", 2.0]", "[\"a\\\\\", 2]"))
    }
}
