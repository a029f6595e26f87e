import Postgres
import Testing
import TestSupport
@testable import Reconcile

/// A diff that cannot compare must fail with its reason, never look like a match.
@Suite("Diffs that cannot run", .tags(.integration))
struct DiffErrorTests {
    static func expectError(_ code: ReconcileError.Code, containing text: String, _ run: () throws -> DiffReport) {
        do {
            let report = try run()
            Issue.record("expected \(code), got a report with verdict \(report.verdict)")
        } catch let error as ReconcileError {
            #expect(error.code == code)
            #expect(error.description.contains(text), "\(error.description)")
        } catch {
            Issue.record("expected \(code), got \(error)")
        }
    }

    @Test("a missing schema on either side is an error naming it", arguments: [false, true])
    func missingSchema(streaming: Bool) throws {
        try DiffFixture.with { fixture in
            var request = fixture.request(streaming: streaming)
            request.right.schema = fixture.right + "_nope"
            Self.expectError(.schemaMissing, containing: "schema \"\(fixture.right)_nope\" does not exist in the right database") {
                try DiffRunner.run(request)
            }
            request = fixture.request(streaming: streaming)
            request.left.schema = "nope_" + fixture.left
            Self.expectError(.schemaMissing, containing: "left") { try DiffRunner.run(request) }
        }
    }

    @Test("a missing table is an error naming side and table", arguments: [false, true])
    func missingTable(streaming: Bool) throws {
        try DiffFixture.with { fixture in
            try fixture.onRight("DROP TABLE {s}.todos")
            Self.expectError(.tableMissing, containing: "table \(fixture.right).todos does not exist on the right side") {
                try DiffRunner.run(fixture.request(streaming: streaming))
            }
        }
    }

    @Test("columns that differ between the sides are an error", arguments: [false, true])
    func columnMismatch(streaming: Bool) throws {
        try DiffFixture.with { fixture in
            try fixture.onRight("ALTER TABLE {s}.links ADD COLUMN extra text")
            Self.expectError(.columnMismatch, containing: "column extra exists only on the right") {
                try DiffRunner.run(fixture.request(streaming: streaming))
            }
            try fixture.onRight("ALTER TABLE {s}.links DROP COLUMN extra")
            try fixture.onLeft("ALTER TABLE {s}.todos ALTER COLUMN title TYPE varchar(200)")
            Self.expectError(.columnMismatch, containing: "column title is character varying(200) on the left but text on the right") {
                try DiffRunner.run(fixture.request(streaming: streaming))
            }
        }
    }

    @Test("rows that are not unique by the key stop the streamed diff instead of miscounting")
    func duplicateKeys() throws {
        try DiffFixture.with { fixture in
            try fixture.both("CREATE TABLE {s}.loose (id text, v integer)")
            try fixture.both("INSERT INTO {s}.loose VALUES ('a', 1), ('b', 1), ('b', 2), ('c', 1)")
            let request = fixture.request(streaming: true, tables: [TableSpec(name: "loose", primaryKey: ["id"])])
            Self.expectError(.unorderedRows, containing: "not in strictly increasing key order at key (b)") { try DiffRunner.run(request) }
        }
    }

    @Test("an unreachable server is an error that does not show the password")
    func unreachable() throws {
        let url = "postgresql://postgres:hunter2-secret@127.0.0.1:1/postgres?connect_timeout=2"
        let side = DiffSide(configuration: PostgresConfiguration(url: url), schema: "lifestream")
        do {
            _ = try DiffRunner.run(DiffRequest(left: side, right: side))
            Issue.record("a diff without a server succeeded")
        } catch let error as PostgresError {
            #expect(error.code == .connectionFailed)
            #expect(!error.description.contains("hunter2"))
            #expect(error.description.contains("postgresql://postgres:***@127.0.0.1:1/postgres"))
        }
    }

    @Test("options that cannot work are refused before connecting")
    func invalidOptions() throws {
        let side = DiffSide(configuration: PostgresConfiguration(url: "postgresql://nowhere.invalid/db"), schema: "s")
        #expect(throws: ReconcileError.self) { try DiffRunner.run(DiffRequest(left: side, right: side, sampleLimit: -1)) }
        #expect(throws: ReconcileError.self) { try DiffRunner.run(DiffRequest(left: side, right: side, maxDiffRows: -1)) }
        #expect(throws: ReconcileError.self) { try DiffRunner.run(DiffRequest(left: side, right: side, tables: [])) }
    }

    @Test("accepts postgres:// as well as postgresql:// URLs")
    func urlSchemes() throws {
        try DiffFixture.with { fixture in
            let url = try TestEnvironment.databaseURL()
            let short = PostgresConfiguration(url: url.replacingOccurrences(of: "postgresql://", with: "postgres://"))
            let long = PostgresConfiguration(url: url.replacingOccurrences(of: "postgres://", with: "postgresql://"))
            #expect(short.url.hasPrefix("postgres://") && long.url.hasPrefix("postgresql://"))
            let request = DiffRequest(left: DiffSide(configuration: short, schema: fixture.left),
                                      right: DiffSide(configuration: long, schema: fixture.right))
            let report = try DiffRunner.run(request)
            #expect(report.mode == .crossDatabase)
            #expect(report.verdict == .match)
            #expect(report.left.database.hasPrefix("postgres://postgres:***@"))
        }
    }
}
