import Foundation
import Postgres
import Testing
import TestSupport
@testable import Reconcile

/// The two-database mode against a second database on the same server.
@Suite("Two databases", .tags(.integration))
struct TwoDatabaseTests {
    /// `url` pointing at database `name` instead (the path of a postgresql:// URL).
    static func url(_ url: String, database name: String) throws -> String {
        var components = try #require(URLComponents(string: url))
        components.path = "/" + name
        return try #require(components.string)
    }

    @Test("streams both databases, finds the planted differences, and explains them from the right database's log")
    func twoDatabases() throws {
        let base = try TestEnvironment.databaseURL()
        let admin = try PostgresConnection.connect(PostgresConfiguration(url: base), applicationName: "reconcile-tests")
        defer { admin.close() }
        let name = TestEnvironment.uniqueName("diffdb")
        try admin.execute("CREATE DATABASE \(SQL.quoteIdentifier(name))")
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(SQL.quoteIdentifier(name)) WITH (FORCE)") }

        let live = try DiffFixture()
        defer { live.drop() }
        let shadow = try DiffFixture(configuration: PostgresConfiguration(url: Self.url(base, database: name)))
        defer { shadow.drop() }
        try DiffCorrectnessTests.fill(live, schema: live.left)
        try DiffCorrectnessTests.fill(shadow, schema: shadow.right)
        try live.onLeft("UPDATE {s}.links SET status = 'fetched' WHERE subject_id = '7:plain'")
        try shadow.onRight("DELETE FROM {s}.temperature_readings WHERE event_id = 'e12345'")
        try shadow.onRight("UPDATE {s}.link_metadata SET tags = '[\"7:plain\", {\"k\": \"7:plain\", \"n\": 1.5}]' WHERE subject_id = '7:plain'")
        try shadow.onRight("UPDATE {s}.link_metadata SET tags = '[\"8:plain\", {\"k\": \"8:plain\", \"n\": 2}]' WHERE subject_id = '8:plain'")
        try shadow.createStateSchema()
        try shadow.event("7:plain", "e1", .linkAdded, minute: 1, offset: 1)
        try shadow.event("7:plain", "e3", .contentFetched, minute: 9, offset: 2)
        try shadow.event("7:plain", "e2", .linkVisibilityChanged, minute: 5, offset: 3)

        let request = DiffRequest(left: DiffSide(configuration: live.configuration, schema: live.left),
                                  right: DiffSide(configuration: shadow.configuration, schema: shadow.right),
                                  stateSchema: shadow.state)
        let report = try DiffRunner.run(request)
        #expect(report.mode == .crossDatabase)
        #expect(report.right.database.hasSuffix("/\(name)"))
        #expect(report.table("links").map { [$0.changed, $0.leftRows] } == [1, 40 * HostileText.samples.count])
        #expect(report.table("links")?.samples.first?.cause == .outOfOrder)
        #expect(report.table("temperature_readings").map { [$0.onlyLeft, $0.leftRows, $0.rightRows] } == [1, 30_000, 29_999])
        #expect(report.table("temperature_readings")?.samples.first?.cause == .missingEvent)
        // 1.50 vs 1.5 inside jsonb is equal; 1.50 vs 2 is not.
        #expect(report.table("link_metadata").map { [String($0.changed), $0.samples.first?.key[0].value ?? ""] } == ["1", "8:plain"])
        #expect(report.totals.differences == 3)
        #expect(report.causes.count(.outOfOrder)?.subjects == 1)
        #expect(report.causes.count(.missingEvent)?.subjects == 2)
    }
}
