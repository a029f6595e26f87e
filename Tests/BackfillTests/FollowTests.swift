import Backfill
import Foundation
import Kafka
import Lifestream
import Postgres
import Store
import Telemetry
import Testing
import TestSupport

@Suite("backfill follow", .tags(.integration))
struct FollowTests {
    /// A damaged stream in chunks, produced while the follower runs.
    static func chunks(seed: UInt64, count: Int = 5, events: Int = 600) -> [[GeneratedRecord]] {
        let records = Array(EventGenerator(options: .damaged(events: events * count, subjects: 200, seed: seed)))
        return stride(from: 0, to: records.count, by: events).map { Array(records[$0..<min(records.count, $0 + events)]) }
    }

    @Test("a follower running while a producer writes (out of order, duplicates, partial before create, invalid) ends with the oracle's tables")
    func followsAProducer() throws {
        let harness = try Harness(prefix: "follow")
        defer { harness.dropSchemas() }
        let chunks = Self.chunks(seed: 71)
        try harness.produce(chunks[0])
        let follower = FollowerThread(harness, options: harness.followOptions())
        for chunk in chunks.dropFirst() {
            Thread.sleep(forTimeInterval: 0.3)
            try harness.produce(chunk)
        }
        #expect(try eventually(within: 60) { harness.caughtUp() }, "the follower did not catch up")
        #expect(follower.stopAndJoin() == nil)
        let expected = CanonicalOracle.evaluate(harness.produced)
        #expect(differences(try harness.state(), expected.state) == [])
        #expect(try harness.unfinishedRuns() == 0)
        // Every record once: the batches' counts add up to what was produced.
        let read = try harness.scalar("select sum(read) from \(harness.stateSchema).runs where status = 'complete'")
        #expect(read == String(harness.produced.count))
        #expect(try harness.quarantine().count == expected.quarantined.count)
        #expect(try harness.scalar("select count(*) from \(harness.stateSchema).runs where status = 'complete'").flatMap { Int($0) } ?? 0 > 2,
                "the stream was applied in one batch; the test wants several")
    }

    @Test("SIGTERM finishes the batch in flight and exits 0 within seconds; a follower started again goes on where it stopped")
    func sigtermIsGraceful() throws {
        let harness = try Harness(prefix: "followterm")
        defer { harness.dropSchemas() }
        let chunks = Self.chunks(seed: 73)
        try harness.produce(chunks[0])
        let first = try harness.launchFollower()
        #expect(try eventually(within: 60) { try harness.followedEnds().values.reduce(0, +) > 0 }, "the follower applied nothing")
        try harness.produce(chunks[1])
        kill(first.processIdentifier, SIGTERM)
        let stopped = Date()
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        #expect(Date().timeIntervalSince(stopped) < 10)
        #expect(try harness.unfinishedRuns() == 0)

        for chunk in chunks.dropFirst(2) { try harness.produce(chunk) }
        let second = try harness.launchFollower([])  // no start: where the state's last run ended
        defer { second.terminate() }
        #expect(try eventually(within: 60) { harness.caughtUp() })
        kill(second.processIdentifier, SIGTERM)
        second.waitUntilExit()
        #expect(second.terminationStatus == 0)
        #expect(differences(try harness.state(), CanonicalOracle.evaluate(harness.produced).state) == [])
    }

    @Test("a follower killed with SIGKILL at random moments resumes exactly: the tables equal the oracle's")
    func sigkillResumes() throws {
        let harness = try Harness(prefix: "followkill")
        defer { harness.dropSchemas() }
        let chunks = Self.chunks(seed: 79, count: 6)
        var kills: [Double] = []
        var unfinishedAtSomeKill = false
        for (index, chunk) in chunks.enumerated() {
            try harness.produce(chunk)
            let process = try harness.launchFollower(index == 0 ? ["--from-beginning"] : [])
            let delay = Double.random(in: 0.3...2.0)
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            kills.append(delay)
            if try harness.unfinishedRuns() > 0 { unfinishedAtSomeKill = true }
        }
        let last = try harness.launchFollower([])
        defer { last.terminate() }
        #expect(try eventually(within: 90) { harness.caughtUp() }, "kills after \(kills) s")
        kill(last.processIdentifier, SIGTERM)
        last.waitUntilExit()
        #expect(differences(try harness.state(), CanonicalOracle.evaluate(harness.produced).state) == [], "kills after \(kills) s")
        let expected = CanonicalOracle.evaluate(harness.produced)
        #expect(try harness.scalar("select count(*) from \(harness.stateSchema).events") == String(expected.valid - expected.duplicates))
        #expect(try harness.quarantine().count == expected.quarantined.count)
        // Not proof of a mid-batch kill each time, but the kills must not all have landed between batches.
        withKnownIssue("a kill may land between batches every time on a fast machine", isIntermittent: true) {
            #expect(unfinishedAtSomeKill, "no kill interrupted a batch (kills after \(kills) s)")
        }
    }

    @Test("a broker that goes down while the follower works is waited out, and the tables are still exact")
    func brokerOutage() throws {
        let mock = try MockCluster(brokers: 1)
        let harness = try Harness(prefix: "followdown", kafka: mock.configuration, createTopic: false)
        defer { harness.dropSchemas() }
        try mock.createTopic(harness.topic, partitions: 4)
        try harness.produce(Array(EventGenerator(options: .damaged(events: 3_000, subjects: 300, seed: 83))))
        try mock.setRoundTripTime(broker: 1, milliseconds: 30)
        let follower = FollowerThread(harness, options: harness.followOptions(maxBatchRecords: 100))
        // Down once the follower has applied something and before it is done.
        #expect(try eventually(within: 60) { try harness.followedEnds().values.reduce(0, +) > 0 })
        let before = try harness.followedEnds().values.reduce(0, +)
        try mock.setBrokerDown(1)
        Thread.sleep(forTimeInterval: 3)
        let during = try harness.followedEnds().values.reduce(0, +)
        try mock.setBrokerUp(1)
        #expect(before < 3_000, "the follower was done before the outage began")
        #expect(try eventually(within: 60) { harness.caughtUp() }, "the follower did not catch up after the outage")
        #expect(during < 3_000, "the follower finished during the outage: it did not overlap the work")
        #expect(follower.stopAndJoin() == nil)
        #expect(differences(try harness.state(), CanonicalOracle.evaluate(harness.produced).state) == [])
    }

    @Test("its PostgreSQL sessions ended under it, the follower opens new ones, finishes the batch, and the tables are exact")
    func postgresSessionsEnd() throws {
        let harness = try Harness(prefix: "followpg")
        defer { harness.dropSchemas() }
        let chunks = Self.chunks(seed: 89)
        try harness.produce(chunks[0])
        let follower = FollowerThread(harness, options: harness.followOptions(maxBatchRecords: 100))
        #expect(try eventually(within: 60) { try harness.followedEnds().values.reduce(0, +) > 0 })
        let state = StateSchema.defaultName(forTarget: harness.target)
        for chunk in chunks.dropFirst() {
            try harness.produce(chunk)
            Thread.sleep(forTimeInterval: 0.2)
            // Every session of the follower — its work connections and its locks' — ends at once;
            // only this follower's: its lock session is the one holding its state schema's lock
            // (other tests' followers run beside it).
            _ = try harness.scalar("""
                select count(pg_terminate_backend(pid)) from pg_stat_activity
                where pid <> pg_backend_pid() and (
                    (application_name like 'backfill%' and application_name like '%' || $1 || '%')
                    or pid in (select l.pid from pg_locks l where l.locktype = 'advisory' and l.granted and l.objsubid = 1
                                 and l.classid = (($2::bigint >> 32) & 4294967295)::oid and l.objid = ($2::bigint & 4294967295)::oid))
                """, [.text(state), PostgresValue(WriterLocks.state(state).key)])
        }
        #expect(try eventually(within: 90) { harness.caughtUp() })
        #expect(follower.stopAndJoin() == nil)
        #expect(differences(try harness.state(), CanonicalOracle.evaluate(harness.produced).state) == [])
        let text = Exposition.text(follower.status.registry)
        #expect(text.contains(#"backfill_follow_retries_total{component="postgresql"}"#), "no retry was counted: the sessions never ended under the follower")
    }

    @Test("two followers of one state schema exclude each other, and a run of it says who holds it (exit 3)")
    func followersExclude() throws {
        let harness = try Harness(prefix: "followlock")
        defer { harness.dropSchemas() }
        try harness.produce(Self.chunks(seed: 97, count: 1)[0])
        let first = try harness.launchFollower()
        defer { first.terminate() }
        #expect(try eventually(within: 60) { harness.caughtUp() })
        let second = try CLIProcess.run(["follow", "--topic", harness.topic, "--target-schema", harness.target, "--lock-wait", "1",
                                         "--manifest-dir", harness.manifestDirectory],
                                        environment: ["DATABASE_URL": harness.postgres.url, "KAFKA_BROKERS": harness.kafka.brokers])
        #expect(second.status == 3, "\(second.stderr)")
        #expect(second.stderr.contains("backfill follow lock"), "\(second.stderr)")
        let run = try CLIProcess.run(["run", "--from-beginning", "--topic", harness.topic, "--target-schema", harness.target, "--lock-wait", "1",
                                      "--manifest-dir", harness.manifestDirectory],
                                     environment: ["DATABASE_URL": harness.postgres.url, "KAFKA_BROKERS": harness.kafka.brokers])
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("backfill follow lock"), "\(run.stderr)")
    }
}
