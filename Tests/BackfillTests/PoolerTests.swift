import Backfill
import Foundation
import Lifestream
import Logging
import Postgres
import Store
import TestSupport
import Testing

@Suite("Through PgBouncer in transaction mode", .serialized, .tags(.integration))
struct PoolerTests {
    /// A run of the harness's topic through `bouncer`, in this process.
    func run(_ harness: Harness, through bouncer: PgBouncer, target: String? = nil, lockWait: Double = 30,
             bounds: RunBounds = RunBounds(start: .beginning, end: .latest)) throws -> RunManifest {
        var options = harness.options(bounds: bounds, target: target)
        options.lockWait = lockWait
        options.ingestWorkers = 2
        let runner = BackfillRunner(kafka: harness.kafka, postgres: PostgresConfiguration(url: bouncer.url),
                                    logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        return try runner.run(options)
    }

    /// Granted holds of `target`'s run lock, on any server connection, seen directly.
    func lockHolds(_ harness: Harness, target: String) throws -> Int {
        let db = try PostgresConnection.connect(harness.postgres)
        defer { db.close() }
        return try AdvisoryLease.holders(db, key: WriterLocks.state(StateSchema.defaultName(forTarget: target)).key).count
    }

    @Test("two runs on one state schema through the pooler: one runs, the other is turned away as already running, and the next gets the lock at once")
    func mutualExclusion() throws {
        let bouncer = try PgBouncer()
        defer { bouncer.stop() }
        let harness = try Harness(prefix: "poolx")
        defer { harness.dropSchemas() }
        try harness.produce(Array(EventGenerator(options: .damaged(events: 30_000, subjects: 3_000, seed: 71))))

        let first = try harness.launch(target: harness.target, databaseURL: bouncer.url)
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        try #require(try eventually(within: 30) { try lockHolds(harness, target: harness.target) == 1 }, "the first run never took its lock")
        let state = StateSchema.defaultName(forTarget: harness.target)
        do {
            _ = try run(harness, through: bouncer, lockWait: 1)
            Issue.record("the second run should have been turned away")
        } catch {
            #expect("\(error)".hasPrefix("another backfill is already running against state schema \(state) (held by backfill run lock, "), "\(error)")
            #expect("\(error)".hasSuffix("(waited 1 s); wait for it or stop it"), "\(error)")
        }
        try #require(first.isRunning, "the first run ended before the second tried: the test proved nothing")

        first.waitUntilExit()
        #expect(first.terminationReason == .exit && first.terminationStatus == 0)
        // Released with the first run's transaction: no server connection of the pool keeps it.
        #expect(try lockHolds(harness, target: harness.target) == 0)
        let next = try run(harness, through: bouncer, lockWait: 0)
        #expect(next.status == "complete")
        #expect(differences(try harness.state(), CanonicalOracle.evaluate(harness.produced).state) == [])
    }

    @Test("a run killed with SIGKILL through the pooler leaves no lock behind: the next run gets it and its tables equal the oracle's")
    func killedRunReleasesLock() throws {
        let bouncer = try PgBouncer()
        defer { bouncer.stop() }
        let harness = try Harness(prefix: "poolkill")
        defer { harness.dropSchemas() }
        try harness.produce(Array(EventGenerator(options: .damaged(events: 20_000, subjects: 2_000, seed: 73))))

        let process = try harness.launch(target: harness.target, databaseURL: bouncer.url)
        try #require(try eventually(within: 30) { try lockHolds(harness, target: harness.target) == 1 }, "the run never took its lock")
        Thread.sleep(forTimeInterval: Double.random(in: 0.2...1.0))
        let killed = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try #require(killed, "the run finished before the kill: the test proved nothing")

        // The pooler closes the server connection of a client that vanished mid-transaction.
        #expect(try eventually(within: 10) { try lockHolds(harness, target: harness.target) == 0 }, "\(bouncer.log)")
        let manifest = try run(harness, through: bouncer)
        #expect(manifest.status == "complete")
        #expect(differences(try harness.state(), CanonicalOracle.evaluate(harness.produced).state) == [])
    }

    @Test("full and incremental runs with two ingest workers through the pooler give the same tables and counts as direct runs")
    func pooledEqualsDirect() throws {
        let bouncer = try PgBouncer()
        defer { bouncer.stop() }
        let harness = try Harness(prefix: "pooleq")
        defer { harness.dropSchemas() }
        let records = Array(EventGenerator(options: .damaged(events: 10_000, subjects: 1_200, seed: 79)))
        try harness.produce(Array(records.prefix(7_000)))
        let direct = harness.target + "_direct", pooled = harness.target + "_pooled"

        var options = harness.options(bounds: RunBounds(start: .beginning, end: .latest), target: direct)
        options.ingestWorkers = 2
        let runner = BackfillRunner(kafka: harness.kafka, postgres: harness.postgres, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let directFirst = try runner.run(options)
        let pooledFirst = try run(harness, through: bouncer, target: pooled)

        try harness.produce(Array(records.suffix(from: 7_000)))  // the second runs take the per-batch path
        options.bounds = RunBounds(start: try .after(directFirst, path: "direct.json"), end: .latest)
        let directSecond = try runner.run(options)
        let pooledSecond = try run(harness, through: bouncer, target: pooled, bounds: RunBounds(start: .after(pooledFirst, path: "pooled.json"), end: .latest))

        for (d, p) in [(directFirst, pooledFirst), (directSecond, pooledSecond)] {
            #expect(p.counts.read == d.counts.read)
            #expect(p.counts.valid == d.counts.valid)
            #expect(p.counts.duplicate == d.counts.duplicate)
            #expect(p.counts.quarantined == d.counts.quarantined)
            #expect(p.counts.rowsWritten == d.counts.rowsWritten)
        }
        #expect(pooledSecond.counts.read == 3_000)
        #expect(differences(try harness.state(schema: pooled), try harness.state(schema: direct)) == [])
        #expect(differences(try harness.state(schema: pooled), CanonicalOracle.evaluate(harness.produced).state) == [])
        #expect(try harness.quarantine(schema: pooled) == harness.quarantine(schema: direct))
    }

    @Test("a run waits for an earlier run's statement still executing before it starts, and fails naming its pid when it outlives the lock wait")
    func waitsForLeftoverStatements() throws {
        let bouncer = try PgBouncer()
        defer { bouncer.stop() }
        let harness = try Harness(prefix: "poolleft")
        defer { harness.dropSchemas() }
        try harness.produce(Array(EventGenerator(options: .damaged(events: 2_000, subjects: 300, seed: 83))))
        let state = StateSchema.defaultName(forTarget: harness.target)
        let name = RunLock.applicationName(stateSchema: state)
        let pooled = PostgresConfiguration(url: bouncer.url)

        /// A killed run's statement through the pooler on a connection named like the run's work
        /// connections (`sql` with the one parameter `value`). Returns its server pid once it runs.
        func leftover(_ sql: String, _ value: String, ended: Ended) throws -> Int32 {
            Thread {
                if let connection = try? PostgresConnection.connect(pooled, applicationName: name, applicationNameOverridesURL: true) {
                    _ = try? connection.query(sql, [.text(value)])
                    connection.close()
                }
                ended.mark()
            }.start()
            let db = try PostgresConnection.connect(harness.postgres)
            defer { db.close() }
            var pid: Int32?
            _ = try eventually(within: 10) {
                pid = Int32(try db.query("select pid from pg_stat_activity where application_name = $1 and state = 'active'", [.text(name)]).scalar ?? "")
                return pid != nil
            }
            return try #require(pid, "the leftover statement never showed up in pg_stat_activity")
        }

        // Outlives the wait: the run fails before touching anything, naming the statement's pid.
        let long = Ended()
        let pid = try leftover("select pg_sleep($1::float8)", "60", ended: long)
        do {
            _ = try run(harness, through: bouncer, lockWait: 1)
            Issue.record("the run should have refused to start")
        } catch {
            #expect("\(error)" == "statements of an earlier backfill run against state schema \(state) are still executing on PostgreSQL (pid \(pid) active) after 1 s; wait for them to end or end them with pg_terminate_backend(pid)")
        }
        #expect(try harness.scalar("select count(*) from pg_namespace where nspname = $1", [.text(state)]) == "0")
        _ = try harness.scalar("select pg_cancel_backend($1)", [.init(pid)])
        #expect(long.wait(seconds: 10))

        // Ends within the wait: the run starts only after it has ended. The statement waits on an
        // advisory lock a helper thread holds until a second after the statement is seen running,
        // so when it ends does not depend on how fast this machine happens to be.
        let gate = Int64.random(in: 1...Int64.max)
        let released = Ended()
        let locked = DispatchSemaphore(value: 0)
        let seen = DispatchSemaphore(value: 0)
        let direct = harness.postgres
        Thread {
            guard let blocker = try? PostgresConnection.connect(direct) else { locked.signal(); return }
            _ = try? blocker.query("select pg_advisory_lock($1::bigint)", [PostgresValue(gate)])
            locked.signal()
            seen.wait()
            Thread.sleep(forTimeInterval: 1)
            released.mark()
            _ = try? blocker.query("select pg_advisory_unlock($1::bigint)", [PostgresValue(gate)])
            blocker.close()
        }.start()
        locked.wait()
        _ = try leftover("select pg_advisory_lock($1::bigint), pg_advisory_unlock($1::bigint)", String(gate), ended: Ended())
        seen.signal()
        let manifest = try run(harness, through: bouncer, lockWait: 30)
        let started = Double(try harness.scalar("select extract(epoch from started_at) from \(harness.stateSchema).runs where run_id = $1", [.text(manifest.runID)]) ?? "") ?? 0
        let releasedAt = try #require(released.at)
        #expect(started >= releasedAt.timeIntervalSince1970, "the run started \(releasedAt.timeIntervalSince1970 - started) s before the leftover statement could end")
        #expect(differences(try harness.state(), CanonicalOracle.evaluate(harness.produced).state) == [])
    }
}
