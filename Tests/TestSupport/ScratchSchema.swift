import Postgres

extension TestEnvironment {
    /// A connection to the local PostgreSQL 18 server and a schema name no other test uses; the
    /// schema (whatever the body created in it) is dropped afterwards. Notices are silenced: a
    /// cascade's list of dropped objects is not worth a test's log.
    public static func withScratchSchema(_ prefix: String, _ body: (PostgresConnection, String) throws -> Void) throws {
        let db = try PostgresConnection.connect(PostgresConfiguration(url: try databaseURL()), applicationName: "backfill-tests")
        defer { db.close() }
        let name = uniqueName(prefix)
        defer { _ = try? db.execute("drop schema if exists \(SQL.quoteIdentifier(name)) cascade") }
        try db.execute("set client_min_messages = warning")
        try body(db, name)
    }
}

extension PostgresConnection {
    /// The plan PostgreSQL gives `statement`, as the lines `EXPLAIN (options)` prints.
    public func plan(of statement: String, options: String = "costs off") throws -> String {
        try query("explain (\(options)) \(statement)").rows.compactMap { $0.first ?? nil }.joined(separator: "\n")
    }
}
