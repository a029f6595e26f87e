import Postgres
import TestSupport
import Testing

@Suite("Server errors", .tags(.integration))
struct ServerErrorTests {
    @Test("a unique violation carries SQLSTATE 23505 and reads as one sentence")
    func uniqueViolation() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute("CREATE TABLE t (id int PRIMARY KEY)")
            try connection.query("INSERT INTO t VALUES ($1)", [1])
            let error = #expect(throws: PostgresError.self) {
                try connection.query("INSERT INTO t VALUES ($1)", [1])
            }
            #expect(error?.code == .server)
            #expect(error?.sqlState == "23505")
            #expect(error?.conditionName == "unique_violation")
            #expect(error?.isConnectionError == false)
            #expect(error?.detail == "Key (id)=(1) already exists.")
            #expect(error?.description.hasPrefix(
                "PostgreSQL rejected the statement (SQLSTATE 23505 unique_violation) while running INSERT: duplicate key value violates unique constraint \"t_pkey\"") == true)
            #expect(error?.description.contains("\n") == false)
            #expect(try connection.query("SELECT count(*) FROM t").rows == [["1"]])
        }
    }

    @Test("a syntax error carries SQLSTATE 42601")
    func syntaxError() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let error = #expect(throws: PostgresError.self) { try connection.execute("SELEC 1") }
        #expect(error?.sqlState == "42601")
        #expect(error?.conditionName == "syntax_error")
        #expect(error?.description.contains("(SQLSTATE 42601 syntax_error)") == true)
        #expect(try connection.query("SELECT 1").rows == [["1"]])
    }

    @Test("a connection terminated by the server is reported as a connection error")
    func terminatedConnection() throws {
        let victim = try TestDatabase.connect()
        let killer = try TestDatabase.connect()
        defer { victim.close(); killer.close() }
        let pid = try victim.query("SELECT pg_backend_pid()")[0, 0]!
        #expect(try killer.query("SELECT pg_terminate_backend($1::int)", [.text(pid)]).rows == [["t"]])
        let error = #expect(throws: PostgresError.self) { try victim.query("SELECT 1") }
        #expect(error?.isConnectionError == true)
        #expect(error?.code == .connectionLost)
    }

    @Test("a closed connection refuses work with connectionClosed")
    func closedConnection() throws {
        let connection = try TestDatabase.connect()
        connection.close()
        connection.close()
        let error = #expect(throws: PostgresError.self) { try connection.query("SELECT 1") }
        #expect(error?.code == .connectionClosed)
        #expect(connection.isOpen == false)
    }
}
