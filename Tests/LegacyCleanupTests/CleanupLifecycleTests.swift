import Backfill
import Foundation
import Kafka
import LegacyCleanup
import Lifestream
import Logging
import Postgres
import Snapshot
import Store
import TestSupport
import Testing

@Suite("cleanup-legacy drops, restores and stays atomic", .tags(.integration))
struct CleanupLifecycleTests {
    @Test("a dry run with every check passing exits 0 and changes nothing, not even files")
    func dryRun() throws {
        let fixture = try Fixture()
        _ = try fixture.healthy()
        let before = try fixture.contents()
        let outcome = try fixture.cleanup(fixture.request(confirm: false))
        #expect(outcome.result == .dryRunPassed)
        #expect(outcome.exitCode == 0)
        #expect(outcome.checks.map(\.status) == [.pass, .pass, .pass, .pass])
        #expect(outcome.plan.count == 4)
        #expect(outcome.checks[0].evidence["partitions"] == .int(2))
        #expect(outcome.checks[1].evidence["known"] == .int(20))
        #expect(try fixture.contents() == before)
        #expect(fixture.files(in: fixture.snapshots).isEmpty)
        #expect(fixture.files(in: fixture.reports) == ["cutover-latest.json"])
    }

    @Test("a passing run drops both tables, its snapshot restores them byte-identically, and a second run has nothing to do")
    func dropRestoreAndRerun() throws {
        let fixture = try Fixture()
        _ = try fixture.healthy()
        let before = try fixture.contents()

        let outcome = try fixture.cleanup(fixture.request())
        #expect(outcome.result == .dropped)
        #expect(outcome.exitCode == 0)
        #expect(try !fixture.exists("event_ingest_dedupe"))
        #expect(try !fixture.exists("kafka_offsets"))
        let snapshot = try #require(outcome.snapshot)
        #expect(snapshot.verified)
        #expect(snapshot.rows == 22)
        #expect(try SnapshotVerifier.verify(snapshot: snapshot.path).isValid)
        #expect(outcome.restoreCommand == "backfill snapshot import \(snapshot.path) --schema \(fixture.schema) --into-existing")

        // The report names the snapshot and the restore command, in Markdown and JSON.
        for ext in ["md", "json"] {
            let text = try String(contentsOfFile: (fixture.reports as NSString).appendingPathComponent("cleanup-latest.\(ext)"), encoding: .utf8)
            #expect(text.contains(snapshot.path))
            #expect(text.contains("--into-existing"))
        }
        #expect(outcome.reportFiles.count == 2)

        // Restore as the report says, into the schema that still has its other tables.
        try fixture.db.execute("create table \(fixture.table("unrelated")) (id int primary key)")
        try SnapshotImporter(connection: fixture.db).importSnapshot(
            from: snapshot.path, options: .init(schema: fixture.schema, mode: .intoExisting(replace: false)))
        try fixture.db.execute("reset all")
        #expect(try fixture.contents() == before)
        #expect(try fixture.exists("unrelated"))
        // And the restored tables have the contract's shape again (not-null, primary key).
        let keys = try fixture.db.query("""
            select c.relname, pg_get_constraintdef(k.oid) from pg_constraint k join pg_class c on c.oid = k.conrelid
            join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and k.contype = 'p' order by 1
            """, [.text(fixture.schema)]).map { "\($0[0]!): \($0[1]!)" }
        #expect(keys == ["event_ingest_dedupe: PRIMARY KEY (event_id)", "kafka_offsets: PRIMARY KEY (consumer_group, topic, partition)", "unrelated: PRIMARY KEY (id)"])

        // Drop again, then a further run finds nothing to do.
        #expect(try fixture.cleanup(fixture.request()).result == .dropped)
        let again = try fixture.cleanup(fixture.request())
        #expect(again.result == .nothingToDo)
        #expect(again.exitCode == 0)
        #expect(again.checks.isEmpty)
        #expect(CleanupRendering.text(again).hasPrefix("Nothing to do"))
    }

    @Test("a connection lost while the drop waits for its lock leaves both tables in place")
    func connectionLost() throws {
        let fixture = try Fixture()
        _ = try fixture.healthy()
        let before = try fixture.contents()

        // Hold a lock the drop must wait for: a reader inside an open transaction.
        let holder = try PostgresConnection.connect(fixture.postgres, applicationName: "legacy-test-holder")
        defer { holder.close() }
        try holder.execute("begin; select count(*) from \(fixture.table("kafka_offsets"))")

        var patient = fixture.request()
        patient.lockTimeout = 60
        let request = patient
        let cleanup = OnThread { Result { try Fixture.cleanup(request) } }

        // Find the cleanup's backend waiting on the lock, and kill it.
        let killer = try PostgresConnection.connect(fixture.postgres, applicationName: "legacy-test-killer")
        defer { killer.close() }
        var terminated = false
        let deadline = Date().addingTimeInterval(60)
        while !terminated, Date() < deadline {
            let waiting = try killer.query("""
                select pid from pg_stat_activity
                where application_name = 'backfill cleanup-legacy' and wait_event_type = 'Lock'
                  and query like 'LOCK TABLE %' and strpos(query, $1) > 0
                """, [.text(fixture.schema)])
            if let pid = waiting.scalar {
                terminated = try killer.query("select pg_terminate_backend($1::int)", [.text(pid)]).scalar == "t"
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        #expect(terminated)
        let result = cleanup.join(timeout: .seconds(60))
        #expect(result != nil, "the cleanup did not end within 60 s of its connection being killed")
        try holder.execute("commit")

        guard case .failure(let error)? = result else {
            Issue.record("the cleanup did not fail: \(String(describing: result))")
            return
        }
        let cleanupError = try #require(error as? CleanupError)
        #expect(cleanupError.code == .dropFailed)
        #expect(cleanupError.description.contains("both tables are still there"))
        #expect(try fixture.exists("event_ingest_dedupe") && fixture.exists("kafka_offsets"))
        #expect(try fixture.contents() == before)
    }

    @Test("a lock the drop cannot get within --lock-timeout fails the cleanup with both tables in place")
    func lockTimeout() throws {
        let fixture = try Fixture()
        _ = try fixture.healthy()
        let holder = try PostgresConnection.connect(fixture.postgres, applicationName: "legacy-test-holder")
        defer { holder.close() }
        try holder.execute("begin; select count(*) from \(fixture.table("event_ingest_dedupe"))")
        var request = fixture.request()
        request.lockTimeout = 0.5
        let error = #expect(throws: CleanupError.self) { try fixture.cleanup(request) }
        try holder.execute("commit")
        #expect(error?.code == .dropFailed)
        #expect(error?.description.contains("lock timeout") == true)
        #expect(error?.description.contains("both tables are still there") == true)
        #expect(try fixture.exists("event_ingest_dedupe") && fixture.exists("kafka_offsets"))
    }

    @Test("the tables changing between the checks and the drop refuse the drop")
    func changedUnderneath() throws {
        // Simulated by a lock holder that writes a row and commits while the drop waits.
        let fixture = try Fixture()
        _ = try fixture.healthy()
        let writer = try PostgresConnection.connect(fixture.postgres, applicationName: "legacy-test-writer")
        defer { writer.close() }
        try writer.execute("begin; insert into \(fixture.table("event_ingest_dedupe")) values ('late', now())")

        var patient = fixture.request()
        patient.lockTimeout = 60
        let request = patient
        let cleanup = OnThread { Result { try Fixture.cleanup(request) } }
        let watcher = try PostgresConnection.connect(fixture.postgres, applicationName: "legacy-test-watcher")
        defer { watcher.close() }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let waiting = try watcher.query("""
                select 1 from pg_stat_activity where application_name = 'backfill cleanup-legacy'
                  and wait_event_type = 'Lock' and query like 'LOCK TABLE %' and strpos(query, $1) > 0
                """, [.text(fixture.schema)])
            if waiting.rowCount > 0 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        try writer.execute("commit")
        let result = cleanup.join(timeout: .seconds(60))
        #expect(result != nil, "the cleanup did not end within 60 s of the writer's commit")
        guard case .success(let outcome)? = result else {
            Issue.record("the cleanup failed: \(String(describing: result))")
            return
        }
        #expect(outcome.result == .refused)
        #expect(outcome.refusal?.contains("event_ingest_dedupe changed after the snapshot") == true)
        #expect(try fixture.exists("event_ingest_dedupe") && fixture.exists("kafka_offsets"))
    }

    @Test("without a cutover report a fresh diff decides: equal tables pass, a differing row refuses")
    func freshDiff() throws {
        let fixture = try Fixture()
        _ = try fixture.healthy()
        try FileManager.default.removeItem(atPath: (fixture.reports as NSString).appendingPathComponent("cutover-latest.json"))
        try fixture.db.execute(TargetSchema(name: fixture.schema).createStatements)
        try fixture.db.execute(TargetSchema(name: fixture.target).createStatements)
        let insert = "insert into %@.todos values ('todo-1', 'write', null, null, '2026-11-01T00:00:00Z', 'open', null, '2026-11-01T00:00:00Z')"
        for schema in [fixture.schema, fixture.target] {
            try fixture.db.execute(insert.replacingOccurrences(of: "%@", with: SQL.quoteIdentifier(schema)))
        }
        let pass = try fixture.cleanup(fixture.request(confirm: false))
        #expect(pass.checks[2].status == .pass)
        #expect(pass.checks[2].evidence["report_state"] == .text("absent"))
        #expect(pass.checks[2].evidence["diff_differences"] == .int(0))

        try fixture.db.execute("update \(SQL.qualifiedName(fixture.schema, "todos")) set status = 'done'")
        let refused = try fixture.cleanup(fixture.request(confirm: false))
        #expect(refused.result == .refused)
        #expect(refused.checks[2].status == .fail)
        #expect(refused.checks[2].evidence["diff_differences"] == .int(1))

        // A stale passing report is not trusted either: the diff still runs and still refuses.
        try fixture.writeCutoverReport(verdict: "pass", age: 3 * 86400)
        let stale = try fixture.cleanup(fixture.request(confirm: false))
        #expect(stale.checks[2].status == .fail)
        #expect(stale.checks[2].evidence["report_state"] == .text("stale"))
    }
}
