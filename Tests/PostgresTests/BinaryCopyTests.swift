import Postgres
import TestSupport
import Testing

@Suite("Binary COPY in and out", .tags(.integration))
struct BinaryCopyTests {
    static let rowCount = 20_000

    static func micros(_ index: Int) -> Int64? {
        index % 9 == 0 ? nil : Int64(index - 10_000) * 86_400_123_457  // both sides of 1970 and of 2000
    }

    @Test("binary rows of text, integers and timestamps go in, read back as text, and come out identical in chunks of any size")
    func roundTrip() throws {
        try TestDatabase.withSchema { connection, schema in
            try connection.execute("CREATE TABLE t (id integer PRIMARY KEY, body text, amount bigint, at timestamptz)")
            let copied = try connection.copyIn("COPY t (id, body, amount, at) FROM STDIN (FORMAT binary)") { writer in
                writer.binaryHeader()
                for index in 0..<Self.rowCount {
                    writer.binaryRow(fields: 4)
                    writer.binary(int32: Int32(index))
                    writer.binary(index % 5 == 0 ? nil : HostileText.value(index))
                    writer.binary(int64: Int64(index) * -1_000_003_007)
                    writer.binary(timestampMicroseconds: Self.micros(index))
                }
                writer.binaryTrailer()
            }
            #expect(copied == Self.rowCount)
            // What the server stored, read through ordinary text queries: the epoch shift is right.
            let row = try connection.query("SELECT body, amount, (extract(epoch FROM at) * 1000000)::bigint FROM t WHERE id = 7")
            #expect(row.rows == [[HostileText.value(7), String(7 * -1_000_003_007), String(Self.micros(7)!)]])

            var output: [UInt8] = []
            _ = try connection.copyOut("COPY (SELECT id, body, amount, at, ctid FROM \(SQL.quoteIdentifier(schema)).t ORDER BY id) TO STDOUT (FORMAT binary)") {
                output.append(contentsOf: $0)
            }
            for chunkSize in [1, 7, 4_096, output.count] {
                var reader = CopyBinaryReader(fieldCount: 5, source: "test")
                var rows = CopyRows(fieldCount: 5)
                var mismatches = 0
                var seen = 0
                func check() {
                    for row in 0..<rows.count {
                        let index = seen + row
                        let matches = rows.bigEndianInt32(row, 0) == Int32(index)
                            && rows.string(row, 1) == (index % 5 == 0 ? nil : HostileText.value(index))
                            && rows.bigEndianInt64(row, 2) == Int64(index) * -1_000_003_007
                            && rows.timestampMicroseconds(row, 3) == Self.micros(index)
                            && rows.tidText(row, 4)?.hasPrefix("(") == true
                        if !matches { mismatches += 1 }
                    }
                    seen += rows.count
                    rows.removeAll()
                }
                try output.withUnsafeBytes { all in
                    var start = 0
                    while start < all.count {
                        let end = min(all.count, start + chunkSize)
                        try reader.consume(UnsafeRawBufferPointer(rebasing: all[start..<end]), into: &rows)
                        check()
                        start = end
                    }
                }
                try reader.finish()
                #expect(seen == Self.rowCount, "chunks of \(chunkSize)")
                #expect(mismatches == 0, "chunks of \(chunkSize)")
            }
        }
    }

    @Test("binary COPY data cut off, with the wrong field count, or without its signature is an error")
    func damagedData() throws {
        try TestDatabase.withSchema { connection, schema in
            try connection.execute("CREATE TABLE t (id integer, body text); INSERT INTO t VALUES (1, 'one'), (2, NULL)")
            var output: [UInt8] = []
            _ = try connection.copyOut("COPY \(SQL.quoteIdentifier(schema)).t TO STDOUT (FORMAT binary)") { output.append(contentsOf: $0) }

            var cut = CopyBinaryReader(fieldCount: 2, source: "test")
            var rows = CopyRows(fieldCount: 2)
            try output.dropLast(5).withUnsafeBytes { try cut.consume($0, into: &rows) }
            #expect(throws: PostgresError.self) { try cut.finish() }

            var wrongCount = CopyBinaryReader(fieldCount: 3, source: "test")
            #expect(throws: PostgresError.self) { try output.withUnsafeBytes { try wrongCount.consume($0, into: &rows) } }

            var unsigned = CopyBinaryReader(fieldCount: 2, source: "test")
            #expect(throws: PostgresError.self) { try Array(output.dropFirst()).withUnsafeBytes { try unsigned.consume($0, into: &rows) } }

            var whole = CopyBinaryReader(fieldCount: 2, source: "test")
            var wholeRows = CopyRows(fieldCount: 2)
            try output.withUnsafeBytes { try whole.consume($0, into: &wholeRows) }
            try whole.finish()
            #expect(wholeRows.count == 2)
            #expect(wholeRows.string(1, 1) == nil && wholeRows.string(0, 1) == "one")
        }
    }

    @Test("binary doubles and jsonb are stored exactly, and an integer too large for its column fails the COPY and stores nothing")
    func typedFields() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (n integer, d double precision, j jsonb)")
            _ = try connection.copyIn("COPY t FROM STDIN (FORMAT binary)") { w in
                w.binaryHeader()
                w.binaryRow(fields: 3); w.binary(int4: -2_147_483_648); w.binary(float8: -89.123456789012345); w.binary(jsonb: #"["a","b\"c"]"#)
                w.binaryRow(fields: 3); w.binary(int4: nil); w.binary(float8: nil); w.binary(jsonb: nil)
                w.binaryTrailer()
            }
            let rows = try connection.query("SELECT n, d = -89.123456789012345::float8, j = '[\"a\",\"b\\\"c\"]'::jsonb FROM t ORDER BY n NULLS LAST")
            #expect(rows.rows == [["-2147483648", "t", "t"], [nil, nil, nil]])

            #expect(throws: PostgresError.self) {
                _ = try connection.copyIn("COPY t (n) FROM STDIN (FORMAT binary)") { w in
                    w.binaryHeader()
                    w.binaryRow(fields: 1); w.binary(int4: 1)
                    w.binaryRow(fields: 1); w.binary(int4: 3_000_000_000)
                    w.binaryTrailer()
                }
            }
            #expect(try connection.query("SELECT count(*) FROM t").scalar == "2")
        }
    }

    @Test("a buffering writer refuses to hand over rows holding an integer too large for its column, rather than a stand-in 0")
    func bufferedOverflow() throws {
        var w = CopyInWriter.buffering()
        w.binaryHeader()
        w.binaryRow(fields: 1); w.binary(int4: 2_147_483_647)
        w.binaryTrailer()
        #expect(try w.takeBytes().count > 0)
        for value: Int64 in [2_147_483_648, 4_294_967_301, -2_147_483_649] {
            var overflowing = CopyInWriter.buffering()
            overflowing.binaryHeader()
            overflowing.binaryRow(fields: 1); overflowing.binary(int4: value)
            overflowing.binaryTrailer()
            #expect(throws: PostgresError.self, "\(value)") { try overflowing.takeBytes() }
        }
    }
}
