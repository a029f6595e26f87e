import Postgres
import TestSupport
import Testing

@Suite("Statement parameters", .tags(.integration))
struct ParameterTests {
    @Test("hostile strings sent as parameters come back exactly, through a table too")
    func hostileStringsRoundTrip() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE notes (id int PRIMARY KEY, body text)")
            for (index, sample) in HostileText.samples.enumerated() {
                let echoed = try connection.query("SELECT $1::text AS echo", [.text(sample)])
                #expect(echoed.string(0, "echo") == sample)
                try connection.query("INSERT INTO notes (id, body) VALUES ($1, $2)", [PostgresValue(index), .text(sample)])
            }
            let stored = try connection.query("SELECT id, body FROM notes ORDER BY id")
            #expect(stored.rowCount == HostileText.samples.count)
            for row in stored {
                #expect(row["body"] == HostileText.samples[Int(row["id"]!)!])
            }
            // The injection attempt was only ever data.
            #expect(try connection.query("SELECT count(*) FROM notes").rows == [["\(HostileText.samples.count)"]])
        }
    }

    @Test("bytea parameters round-trip every byte value, and empty bytes")
    func byteaRoundTrip() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE blobs (id int, data bytea)")
            let everyByte = (0...255).map(UInt8.init) + (0...255).reversed().map(UInt8.init)
            try connection.query("INSERT INTO blobs VALUES (1, $1), (2, $2)", [.bytes(everyByte), .bytes([])])
            let result = try connection.query("SELECT data, length(data) FROM blobs ORDER BY id")
            #expect(CopyText.bytea(result[0, 0]!) == everyByte)
            #expect(result[0, 1] == "512")
            #expect(result[1, 0] == "\\x")
            #expect(result[1, 1] == "0")
            let matched = try connection.query("SELECT count(*) FROM blobs WHERE data = $1", [.bytes(everyByte)])
            #expect(matched[0, 0] == "1")
        }
    }

    @Test("NULL is distinct from the empty string in parameters and results")
    func nullsRoundTrip() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let optionalText: String? = nil
        let optionalNumber: Int64? = nil
        let result = try connection.query(
            "SELECT $1::text AS a, $2::text AS b, $3::bigint AS c, $4::bytea AS d, $1::text IS NULL AS a_null",
            [PostgresValue(optionalText), "", PostgresValue(optionalNumber), .null])
        #expect(result.rows == [[nil, "", nil, nil, "t"]])
        #expect(result.string(0, "a") == nil)
        #expect(result.string(0, "b") == "")
    }

    @Test("numbers, booleans and literals are sent as text the server can infer")
    func literalConveniences() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let result = try connection.query(
            "SELECT $1::bigint + 1, $2::float8, $3::boolean, $4::int, $5::float8, $6::float8",
            [PostgresValue(Int64.max - 1), 2.5, true, 7, PostgresValue(Double.infinity), PostgresValue(0.1)])
        #expect(result.rows == [["\(Int64.max)", "2.5", "t", "7", "Infinity", "0.1"]])
    }

    @Test("text with a NUL character is refused before it reaches the server")
    func nulIsRefused() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let error = #expect(throws: PostgresError.self) {
            try connection.query("SELECT $1::text", [.text("a\u{0}b")])
        }
        #expect(error?.code == .invalidParameter)
        #expect(error?.description.contains("$1") == true)
        #expect(try connection.query("SELECT 1").rows == [["1"]])
    }

    @Test("execute runs a multi-statement script and query reports affected rows")
    func scriptsAndAffectedRows() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("""
                CREATE TABLE items (id int PRIMARY KEY, name text);
                INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c');
                """)
            let updated = try connection.query("UPDATE items SET name = $1 WHERE id >= $2", ["z", 2])
            #expect(updated.affectedRows == 2)
            #expect(updated.commandTag == "UPDATE 2")
            let selected = try connection.query("SELECT id, name FROM items ORDER BY id")
            #expect(selected.columns == ["id", "name"])
            #expect(selected.rows == [["1", "a"], ["2", "z"], ["3", "z"]])
            #expect(connection.serverVersion >= 150000)
        }
    }
}
