import Backfill
import Foundation
import Lifestream
import Postgres
import Store
import TestSupport
import Testing

/// Every command that writes a schema holds its lock (`WriterLocks`): the second writer is
/// turned away with exit 3 naming the first. Each test holds the first writer *inside* its
/// locks (blocked on a table lock the test holds) while the second tries, and checks that the
/// first was still running then: the overlap is made, not hoped for.
@Suite("Writers of one schema exclude each other", .tags(.integration))
struct WriterLockTests {
    /// The harness's servers for the executable, with a short lock wait unless told.
    func environment(_ harness: Harness, lockWait: String = "1") -> [String: String] {
        ["DATABASE_URL": harness.postgres.url, "KAFKA_BROKERS": harness.kafka.brokers, "BACKFILL_LOCK_WAIT": lockWait]
    }

    /// Backends named `applicationName` that are waiting for a lock.
    func blocked(_ harness: Harness, _ applicationName: String) throws -> Int {
        Int(try harness.scalar("select count(*) from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'",
                               [.text(applicationName)]) ?? "0") ?? 0
    }

    /// Lease connections (`AdvisoryLease.holderName`) of the process `pid`.
    func leases(_ harness: Harness, pid: Int32) throws -> Int {
        Int(try harness.scalar("select count(*) from pg_stat_activity where application_name like $1",
                               [.text("backfill % lock, % pid \(pid)")]) ?? "0") ?? 0
    }

    func scratch() throws -> String {
        let directory = NSTemporaryDirectory() + TestEnvironment.uniqueName("writers")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("a run at work turns away an import, a replay, a cleanup, a nightly and a run with another state schema of its target, with exit 3 naming it; none of them writes")
    func runExcludesEveryOtherWriter() throws {
        let harness = try Harness(prefix: "wlrun")
        defer { harness.dropSchemas() }
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try harness.produce(Array(EventGenerator(options: .damaged(events: 2_000, subjects: 200, seed: 81))))
        try harness.run()
        let oracle = CanonicalOracle.evaluate(harness.produced).state
        let export = try CLIProcess.run(["snapshot", "export", "--schema", harness.target, "--out", directory + "/snapshot"],
                                        environment: environment(harness))
        try #require(export.status == 0, "\(export.stderr)")
        let untouched = try fingerprint(harness)

        // The second run stops inside its locks: on the state's binding table, which the test holds.
        let blocker = try PostgresConnection.connect(harness.postgres)
        defer { blocker.close() }
        try blocker.execute("begin; lock table \(harness.stateSchema).binding in access exclusive mode")
        let running = try CLIProcess.launch(["run", "--from-beginning", "--topic", harness.topic, "--target-schema", harness.target,
                                             "--manifest-dir", harness.manifestDirectory, "--quiet"],
                                            environment: environment(harness, lockWait: "30"))
        defer { running.stop() }
        let work = RunLock.applicationName(stateSchema: StateSchema.defaultName(forTarget: harness.target))
        try #require(try eventually(within: 30) { try blocked(harness, work) == 1 }, "the run never reached the held table")

        let target = harness.target
        let attempts: [(String, [String])] = [
            ("snapshot import", ["snapshot", "import", directory + "/snapshot", "--schema", target, "--replace"]),
            ("replay", ["replay", "--from-beginning", "--topic", harness.topic, "--target-schema", target]),
            ("cleanup-legacy", ["cleanup-legacy", "--schema", target, "--confirm", "--reports-dir", directory + "/reports",
                                "--snapshots-dir", directory + "/snapshots"]),
            ("run with another state schema", ["run", "--from-beginning", "--topic", harness.topic, "--target-schema", target,
                                               "--state-schema", target + "_other", "--manifest-dir", directory + "/manifests"]),
            ("nightly", ["nightly", "--topic", harness.topic, "--shadow-schema", target, "--state-schema", target + "_nightly",
                         "--live-schema", target, "--reports-dir", directory + "/reports", "--manifest-dir", directory + "/nightly-manifests",
                         "--snapshots-dir", directory + "/snapshots"]),
        ]
        for (name, arguments) in attempts {
            let outcome = try CLIProcess.run(arguments, environment: environment(harness))
            #expect(outcome.status == 3, "\(name) exited \(outcome.status): \(outcome.stderr)")
            #expect(outcome.stderr.contains("schema \(target) (held by backfill run lock, "), "\(name): \(outcome.stderr)")
            #expect(running.isRunning, "the run ended before \(name) tried: the test proved nothing")
        }
        let summary = try String(contentsOfFile: directory + "/reports/nightly-latest.json", encoding: .utf8)
        #expect(summary.contains("\"outcome\" : \"locked\""), "\(summary)")
        // None of them wrote: every table is the very same file with the very same row versions.
        #expect(try fingerprint(harness) == untouched)

        try blocker.execute("commit")
        let finished = try #require(running.finish(within: 120))
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(differences(try harness.state(), oracle) == [])
    }

    @Test("an import at work turns away a run of its schema; after it the next run refolds what the snapshot lacks, and its tables equal the oracle")
    func importExcludesRunAndRepairsState() throws {
        let harness = try Harness(prefix: "wlimp")
        defer { harness.dropSchemas() }
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let records = Array(EventGenerator(options: .damaged(events: 3_000, subjects: 250, seed: 83)))
        try harness.produce(Array(records.prefix(1_500)))
        let first = try harness.run()
        let firstPath = harness.manifestDirectory + "/\(first.runID).json"
        let export = try CLIProcess.run(["snapshot", "export", "--schema", harness.target, "--out", directory + "/snapshot", "--checkpoint", firstPath],
                                        environment: environment(harness))
        try #require(export.status == 0, "\(export.stderr)")
        let snapshotState = CanonicalOracle.evaluate(harness.produced).state
        try harness.produce(Array(records.dropFirst(1_500)))
        let second = try harness.runAfter(first)
        let oracle = CanonicalOracle.evaluate(harness.produced).state
        try #require(differences(snapshotState, oracle) != [], "the second half changed nothing: the test would prove nothing")

        // The import of the older snapshot stops inside its lock and its transaction: dropping
        // the replaced tables waits for a reader the test holds.
        let blocker = try PostgresConnection.connect(harness.postgres)
        defer { blocker.close() }
        try blocker.execute("begin; lock table \(SQL.quoteIdentifier(harness.target)).links in access share mode")
        let importing = try CLIProcess.launch(["snapshot", "import", directory + "/snapshot", "--schema", harness.target, "--replace"],
                                              environment: environment(harness, lockWait: "30"))
        defer { importing.stop() }
        try #require(try eventually(within: 30) { try blocked(harness, "backfill snapshot import") == 1 }, "the import never reached the held table")

        let run = try CLIProcess.launch(["run", "--after", harness.manifestDirectory + "/\(second.runID).json", "--topic", harness.topic,
                                         "--target-schema", harness.target, "--manifest-dir", directory + "/manifests"],
                                        environment: environment(harness))
        defer { run.stop() }
        let turnedAway = run.finish(within: 30)
        #expect(turnedAway != nil, "the run did not return while the import held the schema")
        #expect(turnedAway?.status == 3, "\(turnedAway?.stderr ?? "")")
        #expect(turnedAway?.stderr.contains("target schema \(harness.target) (held by backfill snapshot import lock, ") == true, "\(turnedAway?.stderr ?? "")")
        #expect(importing.isRunning, "the import ended before the run tried: the test proved nothing")

        try blocker.execute("commit")
        let imported = try #require(importing.finish(within: 60))
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("sensor readings applied again (those past the snapshot's checkpoint)"), "\(imported.stdout)")
        // The tables went back to the snapshot (its sensor readings brought up to the log at once).
        #expect(differences(try harness.state(), oracle) != [], "the import changed nothing: the test would prove nothing")

        // The next run has nothing new to read; it refolds the subjects the snapshot predates.
        _ = try harness.runAfter(second)
        let remaining = differences(try harness.state(), oracle)
        #expect(remaining == [], "\(remaining)")
    }

    @Test("a replay over a run's target leaves it for the next run to repair: the same bounds again give the oracle's tables")
    func replayOverTargetIsRepairedByTheNextRun() throws {
        let harness = try Harness(prefix: "wlrep")
        defer { harness.dropSchemas() }
        try harness.produce(Array(EventGenerator(options: .damaged(events: 2_000, subjects: 200, seed: 87))))
        try harness.run()
        let oracle = CanonicalOracle.evaluate(harness.produced).state
        let replay = try CLIProcess.run(["replay", "--from-beginning", "--topic", harness.topic, "--target-schema", harness.target],
                                        environment: environment(harness))
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("state schema \(StateSchema.defaultName(forTarget: harness.target)): "), "\(replay.stdout)")
        try #require(differences(try harness.state(), oracle) != [], "the replay matched the rebuild: the test would prove nothing")
        try harness.run()
        let remaining = differences(try harness.state(), oracle)
        #expect(remaining == [], "\(remaining)")
    }

    @Test("two first runs into one new target started together (with different state schemas) do not fail on pg_namespace: the second waits, and the tables equal the oracle")
    func concurrentFirstRuns() throws {
        let harness = try Harness(prefix: "wlnew")
        defer { harness.dropSchemas() }
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try harness.produce(Array(EventGenerator(options: .damaged(events: 1_500, subjects: 150, seed: 85))))

        // The gate: the test creates the target schema in an open transaction, so whoever
        // creates it next waits on that catalog row; rolling back releases everyone at once.
        let gate = try PostgresConnection.connect(harness.postgres)
        defer { gate.close() }
        try gate.execute("begin; create schema \(SQL.quoteIdentifier(harness.target))")
        let states = [harness.target + "_s1", harness.target + "_s2"]
        let runs = try states.map { state in
            try CLIProcess.launch(["run", "--from-beginning", "--topic", harness.topic, "--target-schema", harness.target, "--state-schema", state,
                                   "--manifest-dir", directory + "/" + state, "--quiet"], environment: environment(harness, lockWait: "120"))
        }
        defer { runs.forEach { $0.stop() } }
        // Both started: one waits at the gate, the other either at the gate too or for the lock.
        let work = states.map { RunLock.applicationName(stateSchema: $0) }
        try #require(try eventually(within: 30) {
            try work.map { try blocked(harness, $0) }.reduce(0, +) >= 1 && runs.allSatisfy { (try? leases(harness, pid: $0.pid)) == 1 }
        }, "the runs never reached the gate")
        Thread.sleep(forTimeInterval: 1)  // time for the other to reach the gate, if nothing holds it back
        let allRunning = runs.allSatisfy { $0.isRunning }
        try #require(allRunning, "a run ended before the gate opened: the test proved nothing")
        try gate.execute("rollback")

        for (state, run) in zip(states, runs) {
            let outcome = try #require(run.finish(within: 120), "the run with \(state) did not end")
            #expect(outcome.status == 0, "the run with \(state): \(outcome.stderr)")
            #expect(!outcome.stderr.contains("duplicate key"), "\(outcome.stderr)")
        }
        #expect(differences(try harness.state(), CanonicalOracle.evaluate(harness.produced).state) == [])
    }

    /// Per table of the target: its file and the versions of its rows. Any insert, update,
    /// delete, truncate or replacement changes it.
    func fingerprint(_ harness: Harness) throws -> [String] {
        try (LifestreamTables.all + [LifestreamTables.quarantine]).map { table in
            let name = "\(SQL.quoteIdentifier(harness.target)).\(SQL.quoteIdentifier(table.name))"
            let file = try harness.scalar("select relfilenode::text from pg_class where oid = $1::regclass", [.text(name)]) ?? "?"
            let rows = try harness.scalar("select md5(coalesce(string_agg(xmin::text || ctid::text, ',' order by ctid), '')) from \(name)") ?? "?"
            return "\(table.name) \(file) \(rows)"
        }
    }
}
