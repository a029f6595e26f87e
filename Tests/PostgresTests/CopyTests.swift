import Postgres
import TestSupport
import Testing

@Suite("COPY in and out", .tags(.integration))
struct CopyTests {
    static let rowCount = 100_000

    static func expectedBytes(_ index: Int) -> [UInt8]? {
        index % 5 == 0 ? nil : (0..<(index % 23)).map { UInt8(truncatingIfNeeded: index &* 31 &+ $0 &* 7) }
    }

    @Test("100k rows of hostile text, integers and bytea go in and come out identical")
    func copyRoundTrip() throws {
        try TestDatabase.withSchema { connection, schema in
            try connection.execute("CREATE TABLE events (id bigint PRIMARY KEY, body text, amount bigint, payload bytea, flag boolean)")
            let copied = try connection.copyIn("COPY events (id, body, amount, payload, flag) FROM STDIN") { writer in
                for index in 0..<Self.rowCount {
                    writer.field(Int64(index))
                    writer.field(HostileText.value(index))
                    writer.field(index % 7 == 0 ? nil : Int64(index) * -1_000_003)
                    writer.field(bytes: Self.expectedBytes(index))
                    writer.field(index % 3 == 0 ? nil : index % 2 == 0)
                    writer.endRow()
                }
                #expect(writer.rowsWritten == Self.rowCount)
            }
            #expect(copied == Self.rowCount)

            // Spot-check through ordinary queries, independent of COPY TO.
            for index in [0, 1, 18, 24, 97, 4_321, Self.rowCount - 1] {
                let row = try connection.query("SELECT body, amount FROM events WHERE id = $1", [PostgresValue(index)])
                #expect(row.rows == [[HostileText.value(index), index % 7 == 0 ? nil : String(Int64(index) * -1_000_003)]])
            }

            var output: [UInt8] = []
            var chunks = 0
            // A table scan has no guaranteed order, so ask for one.
            let exported = try connection.copyOut("COPY (SELECT * FROM \(SQL.quoteIdentifier(schema)).events ORDER BY id) TO STDOUT") { chunk in
                chunks += 1
                #expect(chunk.count <= 2 * PostgresConnection.copyOutChunkSize)
                output.append(contentsOf: chunk)
            }
            #expect(exported == Self.rowCount)
            #expect(chunks > 1)
            let rows = CopyText.parse(output)
            #expect(rows.count == Self.rowCount)
            var mismatches = 0
            for (index, row) in rows.enumerated() {
                let expected: [String?] = [
                    String(index), HostileText.value(index), index % 7 == 0 ? nil : String(Int64(index) * -1_000_003),
                    Self.expectedBytes(index).map { "\\x" + $0.map { String($0, radix: 16).leftPadded(2) }.joined() },
                    index % 3 == 0 ? nil : (index % 2 == 0 ? "t" : "f"),
                ]
                if row != expected {
                    if mismatches == 0 { #expect(row == expected, "first mismatch at row \(index)") }
                    mismatches += 1
                }
            }
            #expect(mismatches == 0)
        }
    }

    @Test("typed COPY fields store integer extremes, doubles, booleans, raw UTF-8 and NULLs exactly")
    func typedFields() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (n bigint, d float8, b boolean, s text, raw bytea)")
            let copied = try connection.copyIn("COPY t FROM STDIN") { writer in
                for (n, d) in [(Int64.min, -0.1), (Int64.max, Double.infinity), (0, 1e300)] {
                    writer.field(n)
                    writer.field(d)
                    writer.field(n > 0)
                    Array("raw\t🦀\n".utf8).withUnsafeBytes { writer.field(utf8: $0) }
                    [UInt8](arrayLiteral: 0, 255, 92).withUnsafeBytes { writer.field(bytes: $0) }
                    writer.endRow()
                }
                for _ in 0..<5 { writer.null() }
                writer.endRow()
            }
            #expect(copied == 4)
            let rows = try connection.query("SELECT n, d, b, s, raw FROM t ORDER BY n NULLS LAST").rows
            #expect(rows == [
                [String(Int64.min), "-0.1", "f", "raw\t🦀\n", "\\x00ff5c"],
                ["0", "1e+300", "f", "raw\t🦀\n", "\\x00ff5c"],
                [String(Int64.max), "Infinity", "t", "raw\t🦀\n", "\\x00ff5c"],
                [nil, nil, nil, nil, nil],
            ])
        }
    }

    @Test("raw COPY data written as bytes and strings is stored as written")
    func rawWrites() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (a int, b text)")
            let copied = try connection.copyIn("COPY t FROM STDIN WITH (FORMAT csv)") { writer in
                try writer.write("1,\"x,y\"\n")
                let bytes = Array("2,\"quote \"\"here\"\"\"\n".utf8)
                try bytes.withUnsafeBytes { try writer.write($0) }
                try writer.flush()
            }
            #expect(copied == 2)
            #expect(try connection.query("SELECT a, b FROM t ORDER BY a").rows == [["1", "x,y"], ["2", "quote \"here\""]])
        }
    }

    @Test("a row the server rejects fails the COPY with its SQLSTATE and stores nothing")
    func badRowFailsCopy() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (id int)")
            let error = #expect(throws: PostgresError.self) {
                try connection.copyIn("COPY t FROM STDIN") { writer in
                    for index in 0..<50_000 {
                        if index == 10 { writer.field("not a number") } else { writer.field(Int64(index)) }
                        writer.endRow()
                    }
                }
            }
            #expect(error?.code == .copyFailed)
            #expect(error?.sqlState == "22P02")
            #expect(error?.serverContext?.contains("line 11") == true)
            #expect(try connection.query("SELECT count(*) FROM t").rows == [["0"]])
        }
    }

    @Test("a throwing copyIn body aborts the COPY, stores nothing, and the connection stays usable")
    func throwingBodyAbortsCopyIn() throws {
        struct Stop: Error, Equatable {}
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (id int)")
            #expect(throws: Stop()) {
                try connection.copyIn("COPY t FROM STDIN") { writer in
                    for index in 0..<300_000 {
                        writer.field(Int64(index))
                        writer.endRow()
                    }
                    throw Stop()
                }
            }
            #expect(try connection.query("SELECT count(*) FROM t").rows == [["0"]])
        }
    }

    @Test("a throwing copyOut consumer cancels the COPY and the connection stays usable")
    func throwingConsumerCancelsCopyOut() throws {
        struct Stop: Error, Equatable {}
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        #expect(throws: Stop()) {
            try connection.copyOut("COPY (SELECT g, repeat('x', 100) FROM generate_series(1, 2000000) g) TO STDOUT") { _ in
                throw Stop()
            }
        }
        #expect(try connection.query("SELECT 42").rows == [["42"]])
    }

    @Test("query and copyIn refuse the wrong kind of statement and leave the connection usable")
    func wrongStatementKinds() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (id int)")
            let viaQuery = #expect(throws: PostgresError.self) { try connection.query("COPY t FROM STDIN") }
            #expect(viaQuery?.code == .protocolViolation)
            let outViaQuery = #expect(throws: PostgresError.self) { try connection.query("COPY (SELECT 1) TO STDOUT") }
            #expect(outViaQuery?.code == .protocolViolation)
            let notCopy = #expect(throws: PostgresError.self) { try connection.copyIn("SELECT 1") { _ in } }
            #expect(notCopy?.code == .protocolViolation)
            let badCopy = #expect(throws: PostgresError.self) { try connection.copyIn("COPY missing FROM STDIN") { _ in } }
            #expect(badCopy?.sqlState == "42P01")
            #expect(try connection.query("SELECT count(*) FROM t").rows == [["0"]])
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
