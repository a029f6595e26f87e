import Postgres
import TestSupport
import Testing

@Suite("SQL quoting", .tags(.integration))
struct QuotingTests {
    @Test("quoteIdentifier doubles embedded quotes, so a schema with a quote in its name works")
    func quotedSchema() throws {
        #expect(SQL.quoteIdentifier("a\"b") == "\"a\"\"b\"")
        #expect(SQL.quoteIdentifier("\"\u{301}") == "\"\"\"\u{301}\"")
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let name = TestEnvironment.uniqueName("q") + "\"; DROP TABLE x; -- Ünï"
        let quoted = SQL.quoteIdentifier(name)
        try connection.execute("CREATE SCHEMA \(quoted)")
        defer { try? connection.execute("DROP SCHEMA \(quoted) CASCADE") }
        try connection.execute("CREATE TABLE \(SQL.qualifiedName(name, "Mixed Case\"T")) (v text)")
        try connection.query("INSERT INTO \(SQL.qualifiedName(name, "Mixed Case\"T")) VALUES ($1)", ["ok"])
        let found = try connection.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", [.text(name)])
        #expect(found.rows == [["Mixed Case\"T"]])
    }

    @Test("quoteLiteral survives quotes and backslashes")
    func quotedLiterals() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        for sample in HostileText.samples {
            let result = try connection.query("SELECT \(SQL.quoteLiteral(sample))::text")
            #expect(result[0, 0] == sample)
        }
    }
}
