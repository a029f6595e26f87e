import Backfill
import Foundation
import Postgres
import Store
import TestSupport
import Testing

@Suite("backfill nightly", .serialized, .tags(.integration))
struct NightlyTests {
    @Test("a night with equal tables exits 0, a planted difference makes the next night exit 1, and nothing shows a secret")
    func exitCodesEqualAndDiverged() throws {
        let fixture = try NightlyFixture("nightly_codes")
        defer { fixture.dropSchemas() }
        try fixture.buildLive()

        let first = try fixture.nightly(["--log-format", "json"])
        #expect(first.status == 0, "\(first.everything)")
        #expect(first.stdout.contains("from the beginning"))
        #expect(first.isPlainText)
        for line in first.stderr.split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "not a JSON log line: \(line)")
        }
        var summary = try fixture.summary()
        #expect(summary["exit_code"] as? Int == 0)
        #expect(summary["started_after"] == nil)
        let events = try #require(summary["events"] as? [String: Any])
        #expect(events["read"] as? Int == 1_500)
        let steps = (summary["steps"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(steps == ["lock", "plan", "ingest", "materialize", "diff", "reports", "record", "prune"])
        var metrics = try fixture.metrics()
        #expect(metrics.contains("backfill_nightly_exit_code 0\n"))
        #expect(metrics.contains("backfill_events_total{kind=\"read\"} 1500\n"))
        #expect(metrics.contains("backfill_nightly_step_duration_seconds{step=\"ingest\"} "))
        #expect(metrics.contains("backfill_diff_rows{table=\"subjects\"} 0\n"))
        #expect(metrics.contains("backfill_nightly_last_run_timestamp_seconds "))

        // Plant a difference in the live tables: the next night reads nothing new and, diffing in
        // full (an incremental diff compares only subjects with new records), diverges.
        try fixture.execute("delete from \(SQL.quoteIdentifier(fixture.live)).subjects where subject_id = (select min(subject_id) from \(SQL.quoteIdentifier(fixture.live)).subjects)")
        let second = try fixture.nightly(["--diff", "full"])
        #expect(second.status == 1, "\(second.everything)")
        #expect(second.isPlainText)
        #expect(second.stdout.contains("DIVERGED"))
        summary = try fixture.summary()
        #expect(summary["exit_code"] as? Int == 1)
        #expect((summary["started_after"] as? String)?.contains("/snapshots/manifests/run-") == true)
        #expect((summary["events"] as? [String: Any])?["read"] as? Int == 0)
        #expect(((summary["diff"] as? [String: Any])?["tables"] as? [String: Any])?["subjects"] as? Int == 1)
        metrics = try fixture.metrics()
        #expect(metrics.contains("backfill_nightly_exit_code 1\n"))
        #expect(metrics.contains("backfill_diff_rows{table=\"subjects\"} 1\n"))
        #expect(FileManager.default.fileExists(atPath: fixture.reports + "/latest.html"))

        // --json: the summary object on stdout, the same as the file.
        let json = try fixture.nightly(["--json", "--diff", "full"])
        #expect(json.status == 1)
        let printed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(printed["outcome"] as? String == "diverged")
        #expect(printed["run_id"] as? String == (try fixture.summary())["run_id"] as? String)

        // --quiet: nothing on stderr, the summary still on stdout.
        let quiet = try fixture.nightly(["--quiet", "--diff", "full"])
        #expect(quiet.status == 1)
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
        #expect(quiet.stdout.contains("nightly DIVERGED"))

        for outcome in [first, second, json, quiet] {
            #expect(!outcome.everything.contains(NightlyFixture.databasePassword))
            #expect(!outcome.everything.contains(NightlyFixture.saslPassword))
        }
        for file in fixture.allFiles() {
            #expect(!file.text.contains(NightlyFixture.databasePassword), "password in \(file.path)")
            #expect(!file.text.contains(NightlyFixture.saslPassword), "SASL password in \(file.path)")
        }
    }

    @Test("through PgBouncer in transaction mode a night runs, diffs and snapshots as it does directly, and a planted difference exits 1")
    func throughTransactionPooler() throws {
        let bouncer = try PgBouncer(poolSize: 4)
        defer { bouncer.stop() }
        let fixture = try NightlyFixture("nightly_pool")
        defer { fixture.dropSchemas() }
        try fixture.buildLive()
        let pooled = ["DATABASE_URL": bouncer.url]

        let first = try fixture.nightly(["--snapshot"], environment: pooled)
        #expect(first.status == 0, "\(first.everything)")
        let steps = (try fixture.summary()["steps"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(steps.contains("snapshot"))
        let folders = try FileManager.default.contentsOfDirectory(atPath: fixture.snapshots).filter { $0.hasPrefix("nightly-") }
        try #require(folders.count == 1, "\(folders)")
        let verified = try CLIProcess.run(["snapshot", "verify", fixture.snapshots + "/" + folders[0]])
        #expect(verified.status == 0, "\(verified.everything)")

        try fixture.execute("update \(SQL.quoteIdentifier(fixture.live)).subjects set visibility = 'planted' where subject_id = (select min(subject_id) from \(SQL.quoteIdentifier(fixture.live)).subjects)")
        let second = try fixture.nightly(["--diff", "full"], environment: pooled)
        #expect(second.status == 1, "\(second.everything)")
        #expect(((try fixture.summary()["diff"] as? [String: Any])?["tables"] as? [String: Any])?["subjects"] as? Int == 1)
    }

    @Test("an unreachable database exits 2 with one sentence, and the summary and metrics say so without the password")
    func errorExitCode() throws {
        let fixture = try NightlyFixture("nightly_error", events: nil)
        defer { fixture.dropSchemas() }
        let url = "postgresql://postgres:\(NightlyFixture.databasePassword)@127.0.0.1:1/postgres?connect_timeout=3"
        let outcome = try fixture.nightly(["--database-url", url])
        #expect(outcome.status == 2, "\(outcome.everything)")
        #expect(outcome.isPlainText)
        #expect(outcome.stderr.contains("error: "))
        #expect(!outcome.everything.contains(NightlyFixture.databasePassword))
        #expect(try fixture.summary()["exit_code"] as? Int == 2)
        #expect(try fixture.metrics().contains("backfill_nightly_exit_code 2\n"))
        for file in fixture.allFiles() {
            #expect(!file.text.contains(NightlyFixture.databasePassword), "password in \(file.path)")
        }

        // A night that cannot start (no broker list anywhere) says so in the summary and metrics too.
        let unconfigured = try CLIProcess.run(["nightly", "--reports-dir", fixture.reports, "--shadow-schema", fixture.shadow],
                                              removing: ["KAFKA_BROKERS"], workingDirectory: fixture.directory)
        #expect(unconfigured.status == 2)
        #expect(unconfigured.stderr.contains("KAFKA_BROKERS is not set"), "\(unconfigured.stderr)")
        #expect(try fixture.summary()["error"] as? String == "Kafka could not be configured from the environment: KAFKA_BROKERS is not set (expected host:port[,host:port…])")
    }

    /// "At once" without a clock: the night is given an hour of --lock-wait, and must still end
    /// while the lock is held; one that waited for the night's lock would still be running when
    /// the test gives up on it after ten minutes (and the lock is released only after that).
    @Test("a second nightly for the same shadow exits 3 at once while the lock is held, and writes nothing")
    func lockContention() throws {
        let fixture = try NightlyFixture("nightly_lock", events: nil)
        defer { fixture.dropSchemas() }
        let holder = try PostgresConnection.connect(PostgresConfiguration(url: fixture.databaseURL))
        defer { holder.close() }
        #expect(try holder.tryAdvisoryLock(WriterLocks.nightly(fixture.shadow).key))

        let running = try fixture.launchNightly(["--lock-wait", "3600"])
        defer { running.stop() }
        let outcome = try #require(running.finish(within: 600), "the second nightly is still waiting for the lock")
        #expect(outcome.status == 3, "\(outcome.everything)")
        #expect(outcome.stderr.contains("another backfill nightly is running for shadow schema \(fixture.shadow)"))
        #expect(outcome.isPlainText)
        #expect(!FileManager.default.fileExists(atPath: fixture.reports))

        // Released: the lock no longer turns a night away (it fails later, on the missing topic).
        try holder.advisoryUnlock(WriterLocks.nightly(fixture.shadow).key)
        let after = try fixture.nightly()
        #expect(after.status == 2, "\(after.everything)")
    }

    @Test("retention prunes old nightly snapshots, reports and manifests but never the newest, the last run's, or foreign files")
    func retention() throws {
        let fixture = try NightlyFixture("nightly_keep", events: 600)
        defer { fixture.dropSchemas() }
        try fixture.buildLive()
        let fm = FileManager.default
        let old = "20200101T000000Z"
        try fm.createDirectory(atPath: fixture.snapshots + "/nightly-\(old)", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: fixture.snapshots + "/nightly-\(old)/manifest.json"))
        try fm.createDirectory(atPath: fixture.snapshots + "/mine-\(old)", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: fixture.reports, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: fixture.manifests, withIntermediateDirectories: true)
        for name in ["diff-\(old).md", "diff-\(old).json", "diff-\(old).html", "nightly-\(old).json", "notes.txt"] {
            try Data("old".utf8).write(to: URL(fileURLWithPath: fixture.reports + "/" + name))
        }
        try Data("{}".utf8).write(to: URL(fileURLWithPath: fixture.manifests + "/run-\(old)-abcdef.json"))

        let dry = try fixture.nightly(["--snapshot", "--keep-days", "7", "--dry-run"])
        #expect(dry.status == 0, "\(dry.everything)")
        #expect(dry.stdout.contains("would read 600 records"))
        #expect(dry.stdout.contains("would prune 4 item(s)"), "\(dry.stdout)")
        #expect(fm.fileExists(atPath: fixture.snapshots + "/nightly-\(old)"))
        #expect(!fm.fileExists(atPath: fixture.reports + "/nightly-latest.json"))

        let outcome = try fixture.nightly(["--snapshot", "--keep-days", "7"])
        #expect(outcome.status == 0, "\(outcome.everything)")
        // Pruned: the old nightly snapshot, the old report (all three files), the old summary, the old manifest.
        for path in ["/snapshots/nightly-\(old)", "/reports/diff-\(old).md", "/reports/diff-\(old).html", "/reports/nightly-\(old).json",
                     "/snapshots/manifests/run-\(old)-abcdef.json"] {
            #expect(!fm.fileExists(atPath: fixture.directory + path), "\(path) should be pruned")
        }
        // Kept: foreign files, this night's snapshot, reports, summary and manifests.
        #expect(fm.fileExists(atPath: fixture.snapshots + "/mine-\(old)"))
        #expect(fm.fileExists(atPath: fixture.reports + "/notes.txt"))
        #expect(fm.fileExists(atPath: fixture.manifests + "/latest.json"))
        let summary = try fixture.summary()
        let runID = try #require(summary["run_id"] as? String)
        #expect(fm.fileExists(atPath: fixture.manifests + "/\(runID).json"))
        let snapshot = try #require((summary["snapshot"] as? [String: Any])?["path"] as? String)
        #expect(fm.fileExists(atPath: snapshot + "/manifest.json"))
        #expect((summary["pruned"] as? [String])?.count == 6)
        #expect(try fixture.metrics().contains("backfill_retention_pruned 6\n"))

        // --keep 1 on a second night: the first night's snapshot and reports go, this night's stay.
        let second = try fixture.nightly(["--snapshot", "--keep", "1"])
        #expect(second.status == 0, "\(second.everything)")
        #expect(!fm.fileExists(atPath: snapshot))
        let snapshots = try fm.contentsOfDirectory(atPath: fixture.snapshots).filter { $0.hasPrefix("nightly-") }
        #expect(snapshots.count == 1)
        let manifests = try fm.contentsOfDirectory(atPath: fixture.manifests).sorted()
        #expect(manifests.count == 2, "\(manifests)")
        #expect(manifests.contains("latest.json"))
        let summaries = try fm.contentsOfDirectory(atPath: fixture.reports).filter { $0.hasPrefix("nightly-2") }
        #expect(summaries.count == 1, "\(summaries)")
    }
}
