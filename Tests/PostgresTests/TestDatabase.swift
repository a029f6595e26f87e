import Postgres
import TestSupport

/// Connections and throw-away schemas for tests that share one server and run in parallel.
enum TestDatabase {
    static func configuration() throws -> PostgresConfiguration {
        PostgresConfiguration(url: try TestEnvironment.databaseURL())
    }

    static func connect() throws -> PostgresConnection {
        try PostgresConnection.connect(configuration(), applicationName: "backfill-tests")
    }

    /// Runs `body` with a fresh schema on the search path, dropped afterwards whatever happens.
    static func withSchema<T>(_ body: (PostgresConnection, String) throws -> T) throws -> T {
        let connection = try connect()
        defer { connection.close() }
        let schema = TestEnvironment.uniqueName("t")
        try connection.execute("CREATE SCHEMA \(SQL.quoteIdentifier(schema)); SET search_path TO \(SQL.quoteIdentifier(schema))")
        defer {
            if connection.isOpen, !connection.isInTransaction {
                try? connection.execute("DROP SCHEMA \(SQL.quoteIdentifier(schema)) CASCADE")
            } else if let cleanup = try? connect() {
                try? cleanup.execute("DROP SCHEMA \(SQL.quoteIdentifier(schema)) CASCADE")
                cleanup.close()
            }
        }
        return try body(connection, schema)
    }
}

/// Strings that break naive quoting or COPY escaping (no NUL: PostgreSQL text cannot hold it).
enum HostileText {
    static let samples: [String] = [
        "",
        " ",
        "plain",
        "it's",
        "''",
        "\"double\" quotes",
        "back\\slash",
        "\\N",
        "\\\\",
        "ends with backslash\\",
        "'; drop table x; --",
        "$1 $$ $tag$ dollar",
        "tab\there",
        "new\nline",
        "carriage\rreturn",
        "crlf\r\n",
        "\t\n\r\\",
        "unicode: ñ ü ß Ж 漢字 العربية",
        "emoji: 🦀🧪👩‍👩‍👧‍👦🇨🇭",
        "combining: e\u{301} \"\u{301}",
        "zero width\u{200B}joiner\u{200D}",
        "control \u{01}\u{07}\u{1B}[31m",
        "percent %s %d %n",
        "NULL",
        String(repeating: "long🦀\t", count: 2000),
    ]

    /// A deterministic hostile value for row `index` of a bulk test.
    static func value(_ index: Int) -> String? {
        if index % 97 == 0 { return nil }
        return "\(index):" + samples[index % samples.count].prefix(300)
    }
}
