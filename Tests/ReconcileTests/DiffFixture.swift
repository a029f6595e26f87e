import Backfill
import Foundation
import Lifestream
import Postgres
@testable import Reconcile
import Store
import TestSupport

/// Two schemas holding the nine lifestream tables on the test server (live on the left,
/// shadow on the right), plus the state schema when a test creates it; all dropped afterwards.
/// Tests share the server and run in parallel, so every fixture has names of its own.
final class DiffFixture {
    let configuration: PostgresConfiguration
    let connection: PostgresConnection
    let left: String
    let right: String
    var state: String { StateSchema.defaultName(forTarget: right) }

    static func with<T>(_ body: (DiffFixture) throws -> T) throws -> T {
        let fixture = try DiffFixture()
        defer { fixture.drop() }
        return try body(fixture)
    }

    init(configuration: PostgresConfiguration? = nil) throws {
        self.configuration = try configuration ?? PostgresConfiguration(url: TestEnvironment.databaseURL())
        connection = try PostgresConnection.connect(self.configuration, applicationName: "reconcile-tests")
        let base = TestEnvironment.uniqueName("diff")
        left = base + "_live"
        right = base + "_shadow"
        for schema in [left, right] {
            try connection.execute("CREATE SCHEMA \(SQL.quoteIdentifier(schema))")
            for table in LifestreamTables.all {
                try connection.execute(table.createStatement(schema: schema, quote: SQL.quoteIdentifier))
            }
        }
    }

    func drop() {
        for schema in [left, right, state] {
            try? connection.execute("DROP SCHEMA IF EXISTS \(SQL.quoteIdentifier(schema)) CASCADE")
        }
        connection.close()
    }

    /// Runs `sql` once per schema in `schemas`, with `{s}` standing for the quoted schema name.
    func run(_ sql: String, _ parameters: [PostgresValue] = [], in schemas: [String]) throws {
        for schema in schemas {
            try connection.query(sql.replacingOccurrences(of: "{s}", with: SQL.quoteIdentifier(schema)), parameters)
        }
    }

    func both(_ sql: String, _ parameters: [PostgresValue] = []) throws { try run(sql, parameters, in: [left, right]) }
    func onLeft(_ sql: String, _ parameters: [PostgresValue] = []) throws { try run(sql, parameters, in: [left]) }
    func onRight(_ sql: String, _ parameters: [PostgresValue] = []) throws { try run(sql, parameters, in: [right]) }

    /// Makes the right side's tables exact copies of the left's.
    func copyLeftToRight(_ tables: [String] = LifestreamTables.all.map(\.name)) throws {
        for table in tables {
            try connection.execute("""
                DELETE FROM \(SQL.qualifiedName(right, table));
                INSERT INTO \(SQL.qualifiedName(right, table)) SELECT * FROM \(SQL.qualifiedName(left, table))
                """)
        }
    }

    func request(streaming: Bool, tables: [TableSpec] = TableSpec.lifestream, samples: Int = 5, causes: Bool = false,
                 maxDiffRows: Int = 0) -> DiffRequest {
        DiffRequest(left: DiffSide(configuration: configuration, schema: left),
                    right: DiffSide(configuration: configuration, schema: right),
                    tables: tables, sampleLimit: samples, stateSchema: causes ? state : nil,
                    maxDiffRows: maxDiffRows, forceStreaming: streaming)
    }

    // MARK: Rows

    /// A links row (and nothing else); the columns a test does not care about get fixed values.
    func link(_ id: String, in schemas: [String]? = nil, title: String? = "title", status: String = "added",
              updatedAt: String = "2024-01-01 00:00:00+00") throws {
        try run("""
            INSERT INTO {s}.links (subject_id, url, title, source, added_at, status, visibility, updated_at)
            VALUES ($1, 'https://example.com/' || $1, $2, 'test', '2024-01-01 00:00:00+00', $3, 'private', $4)
            """, [.text(id), PostgresValue(title), .text(status), .text(updatedAt)], in: schemas ?? [left, right])
    }

    // MARK: Event log

    func createStateSchema() throws {
        try StateSchema(name: state).migrate(on: connection, toolVersion: "test")
    }

    /// Logs the first arrival of an event; `minute` is its occurred_at (minutes after a base).
    func event(_ subject: String, _ eventID: String, _ type: EventType, minute: Int, offset: Int64, partition: Int = 0) throws {
        try connection.query("""
            INSERT INTO \(SQL.qualifiedName(state, "events"))
                (subject_id, event_id, event_type, occurred_at, source, payload, partition, "offset", record_timestamp)
            VALUES ($1, $2, $3, timestamptz '2024-01-01 00:00:00+00' + make_interval(mins => $4::int), 'test', '{}', $5, $6, now())
            """, [.text(subject), .text(eventID), .text(type.rawValue), PostgresValue(minute), PostgresValue(partition), PostgresValue(offset)])
    }

    /// Logs a later record of an already logged event.
    func duplicate(_ subject: String, _ eventID: String, offset: Int64, samePayload: Bool, partition: Int = 0) throws {
        try connection.query("""
            INSERT INTO \(SQL.qualifiedName(state, "duplicates")) (partition, "offset", subject_id, event_id, same_payload)
            VALUES ($1, $2, $3, $4, $5)
            """, [PostgresValue(partition), PostgresValue(offset), .text(subject), .text(eventID), PostgresValue(samePayload)])
    }
}

extension DiffReport {
    /// The tables without their timings, which differ between runs and modes.
    var untimedTables: [TableDiff] {
        tables.map { table in
            var table = table
            table.durationMilliseconds = 0
            return table
        }
    }
}

/// Text that breaks naive quoting, COPY escaping or String comparison.
enum HostileText {
    static let samples: [String] = [
        "", " ", "plain", "it's", "''", "\"double\" quotes", "back\\slash", "\\N", "\\\\", "ends with backslash\\",
        "'; drop table x; --", "tab\there", "new\nline", "carriage\rreturn", "crlf\r\n", "\t\n\r\\",
        "unicode: ñ ü ß Ж 漢字 العربية", "emoji: 🦀🧪👩‍👩‍👧‍👦🇨🇭", "é", "e\u{301}", "zero width\u{200B}joiner\u{200D}",
        "control \u{01}\u{07}\u{1B}[31m", "percent %s %d", "NULL", "|pipe|", "<b>html</b>",
    ]

    /// The samples as a jsonb array parameter (ordinality gives each its row number).
    static var jsonArray: PostgresValue {
        .text(String(decoding: try! JSONEncoder().encode(samples), as: UTF8.self))
    }
}
