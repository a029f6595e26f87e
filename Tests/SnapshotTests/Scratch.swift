import Foundation
import Postgres
import TestSupport

/// A throw-away corner of the database and of the disk for one test: schemas named after a
/// unique prefix and a temporary folder, all removed afterwards (tests share one server and run
/// in parallel).
final class Scratch {
    let connection: PostgresConnection
    let prefix: String
    let directory: String

    private init() throws {
        connection = try Scratch.connect()
        prefix = TestEnvironment.uniqueName("snap")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-tests-\(prefix)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    static func configuration() throws -> PostgresConfiguration {
        PostgresConfiguration(url: try TestEnvironment.databaseURL())
    }

    static func connect() throws -> PostgresConnection {
        try PostgresConnection.connect(configuration(), applicationName: "backfill-snapshot-tests")
    }

    /// Runs `body`, then drops every schema starting with the prefix (including staging schemas
    /// an import might have left, which a test would then also notice) and deletes the folder.
    static func run<T>(_ body: (Scratch) throws -> T) throws -> T {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        return try body(scratch)
    }

    /// `<prefix>_<name>`: a schema name no other test uses.
    func schema(_ name: String) -> String { "\(prefix)_\(name)" }

    /// A path for a snapshot folder inside the scratch folder (not created).
    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Schemas whose name starts with the prefix, sorted.
    func schemas(using connection: PostgresConnection? = nil) throws -> [String] {
        try (connection ?? self.connection).query("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY 1", [.text(prefix)])
            .compactMap { $0[0] }
    }

    func createSchema(_ schema: String) throws {
        try connection.execute("CREATE SCHEMA \(SQL.quoteIdentifier(schema))")
    }

    /// Per table of `schema`: its row count and an MD5 of all its rows' text in a fixed order.
    /// Equal fingerprints before and after a failed import mean nothing changed.
    func fingerprint(_ schema: String) throws -> [String: String] {
        var result: [String: String] = [:]
        let tables = try connection.query("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind = 'r'
            """, [.text(schema)]).compactMap { $0[0] }
        for table in tables {
            let row = try connection.query(
                "SELECT count(*), md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text COLLATE \"C\"), '')) FROM \(SQL.qualifiedName(schema, table)) x")
            result[table] = "\(row[0, 0] ?? "?") rows, md5 \(row[0, 1] ?? "?")"
        }
        return result
    }

    /// Rows of `left.table` missing from `right.table` plus the reverse, comparing each row's full
    /// text (so -0 and 0 differ, and so do JSON or timestamps that print differently).
    func differences(_ table: String, _ left: String, _ right: String) throws -> Int {
        let a = SQL.qualifiedName(left, table), b = SQL.qualifiedName(right, table)
        let result = try connection.query("""
            SELECT (SELECT count(*) FROM (SELECT x::text FROM \(a) x EXCEPT ALL SELECT y::text FROM \(b) y) l)
                 + (SELECT count(*) FROM (SELECT y::text FROM \(b) y EXCEPT ALL SELECT x::text FROM \(a) x) r)
            """)
        return Int(result[0, 0] ?? "-1") ?? -1
    }

    func rowCount(_ schema: String, _ table: String) throws -> Int {
        Int(try connection.query("SELECT count(*) FROM \(SQL.qualifiedName(schema, table))")[0, 0] ?? "-1") ?? -1
    }

    private func cleanUp() {
        let cleaner = connection.isOpen && !connection.isInTransaction ? connection : (try? Scratch.connect())
        if let cleaner, let schemas = try? schemas(using: cleaner) {
            for schema in schemas {
                try? cleaner.execute("DROP SCHEMA IF EXISTS \(SQL.quoteIdentifier(schema)) CASCADE")
            }
        }
        if let cleaner, cleaner !== connection { cleaner.close() }
        connection.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
