import Daemon
import Embeddings
import Foundation
import Kafka
import Postgres
import Store
import TestSupport
import Testing

/// `embed --follow` against the real broker, PostgreSQL and (where named) the reference
/// embedding service; faults injected by a proxy in front of the real server, or by the
/// scripted service where a test must count or slow requests.
@Suite("Embedding follower", .tags(.integration))
struct FollowTests {
    static func referenceService() throws -> ServiceClient {
        ServiceClient(baseURL: try ServiceClient.parseURL(try TestEnvironment.embeddingServiceURL()), timeout: 60, connections: 4)
    }

    /// Ids keyed to one partition each (as producers key by id), several texts per id, an edit
    /// back to an earlier text, and records that break the contract.
    static func stream(ids: Int, steps: Int) -> (steps: [PacedProducer.Step], bad: Int) {
        var result: [PacedProducer.Step] = []
        var bad = 0
        for index in 0..<steps {
            let id = index % ids
            let partition = Int32(id % 2)
            if index % 17 == 5 {
                bad += 1
                result.append(.raw(["not json", #"{"id":"x"}"#, #"{"text":"no id"}"#, nil][bad % 4], partition: partition))
            }
            let version = index / ids
            // Every third id goes back to its first text at version 2: an edit undone.
            let text = id % 3 == 0 && version == 2 ? "message \(id), first version" : version == 0 ? "message \(id), first version" : "message \(id), version \(version)"
            result.append(.message("u\(id)", text, partition: partition))
        }
        return (result, bad)
    }

    @Test("a follower while a producer writes — edits of the same ids and bad records — ends with exactly one current row per id (reference service)")
    func followsAStream() throws {
        let harness = try EmbedHarness(prefix: "follow_stream")
        defer { harness.dropSchema() }
        let service = try Self.referenceService()
        let model = try service.health().get().model
        let follower = RunningFollower(harness, source: service, options: harness.followOptions(batchSize: 16, concurrency: 2))
        let (steps, bad) = Self.stream(ids: 40, steps: 200)
        let producer = try PacedProducer(harness, steps: steps, perSecond: 50)
        let newest = producer.finish()
        #expect(try eventually(within: 180) { try harness.caughtUp() }, "the follower did not catch up")
        #expect(eventually(within: 10) {
            follower.metric("backfill_embed_follow_lag_records{partition=\"0\"}") == 0 && follower.metric("backfill_embed_follow_lag_seconds{partition=\"1\"}") == 0
        }, "lag is not 0 once caught up: \(follower.metrics)")
        #expect((follower.metric("backfill_embed_follow_freshness_seconds_count") ?? 0) >= Double(newest.count))
        try follower.stopAndWait()

        let rows = try harness.rows()
        #expect(rows.count == newest.count)
        for (id, text) in newest {
            #expect(rows[id]?.text == text, "row \(id)")
            #expect(rows[id]?.model == model)
        }
        #expect(try harness.quarantine().count == bad)
        #expect(follower.metric("backfill_embed_follow_records_total{outcome=\"quarantined\"}") == Double(bad))
        #expect((follower.metric("backfill_embed_follow_records_total{outcome=\"embedded\"}") ?? 0) >= Double(newest.count))
        #expect(try harness.caughtUp())
    }

    @Test("an edit back to the stored text while the edit is still being embedded wins, and an exact duplicate of a current row costs no request")
    func editBackWhileInFlight() throws {
        let harness = try EmbedHarness(prefix: "follow_editback", partitions: 1)
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        // The edit's request takes two seconds, so the edit back arrives while it is in flight.
        service.setHook { texts, _ in
            if texts.contains("B") { Thread.sleep(forTimeInterval: 2) }
            return nil
        }
        let follower = RunningFollower(harness, source: service.client, options: harness.followOptions(batchSize: 4, concurrency: 2))
        try harness.produce([("x", "A")], partitions: 1)
        #expect(try eventually(within: 30) { try harness.rowCount() > 0 && harness.rows()["x"]?.text == "A" })
        try harness.produce([("x", "B")], partitions: 1)
        #expect(try eventually(within: 10) { service.server.requests("/generate").contains { String(decoding: $0.body, as: UTF8.self).contains("\"B\"") } })
        try harness.produce([("x", "A")], partitions: 1)
        #expect(try eventually(within: 30) { try harness.caughtUp() })
        #expect(try harness.rows()["x"]?.text == "A")
        let requests = service.generateRequests
        try harness.produce([("x", "A")], partitions: 1)
        #expect(try eventually(within: 30) { try harness.caughtUp() })
        try follower.stopAndWait()
        #expect(service.generateRequests == requests, "a duplicate of the current text was embedded again")
        #expect(try harness.rows()["x"]?.text == "A")
    }

    @Test("the embedding service gone for 10 s mid-stream and back loses nothing; the follower waits, says so, and the outage overlaps the work (reference service)")
    func serviceOutage() throws {
        let harness = try EmbedHarness(prefix: "follow_svc_outage")
        defer { harness.dropSchema() }
        let (proxy, url) = try TCPProxy.inFront(of: try TestEnvironment.embeddingServiceURL())
        let service = ServiceClient(baseURL: try ServiceClient.parseURL(url), timeout: 30, connections: 2)
        let follower = RunningFollower(harness, source: service, options: harness.followOptions(batchSize: 8, concurrency: 2))
        let (steps, _) = Self.stream(ids: 60, steps: 240)
        let producer = try PacedProducer(harness, steps: steps, perSecond: 20)

        // Cut once part of the stream is embedded, while more is still to come.
        #expect(try eventually(within: 60) { try harness.rowCount() >= 20 })
        proxy.cut()
        let cutAt = producer.count
        let rowsAtCut = try harness.rowCount()
        #expect(try eventually(within: 10) { follower.status.health.snapshot.down["embedding service"] != nil },
                "the follower did not notice the service was gone")
        Thread.sleep(forTimeInterval: 10)
        let health = follower.status.health.report()
        let rowsAtRestore = try harness.rowCount()
        let producedDuringOutage = producer.count - cutAt
        #expect(!health.isHealthy && health.reasons.contains { $0.contains("embedding service down") })
        #expect(follower.metric("backfill_embed_follow_up{component=\"embedding service\"}") == 0)
        try proxy.restore()

        let newest = producer.finish()
        #expect(try eventually(within: 180) { try harness.caughtUp() }, "the follower did not catch up after the outage")
        try follower.stopAndWait()
        // The outage overlapped the work: messages arrived during it and nothing new was stored
        // then (at most the batch that was committing at the cut), and the rest was stored after.
        #expect(producedDuringOutage > 50, "only \(producedDuringOutage) messages arrived during the outage")
        #expect(rowsAtRestore - rowsAtCut <= 16)
        #expect(rowsAtRestore < newest.count)
        #expect((follower.metric("backfill_embed_follow_retries_total{component=\"embedding service\"}") ?? 0) >= 2)
        let rows = try harness.rows()
        #expect(rows.count == newest.count)
        #expect(newest.allSatisfy { rows[$0.key]?.text == $0.value })
        #expect(follower.status.health.report().isHealthy)
    }

    @Test("PostgreSQL gone for a few seconds mid-stream: the follower waits, takes its lock again and resumes at the checkpoint, losing nothing")
    func postgresOutage() throws {
        let harness = try EmbedHarness(prefix: "follow_pg_outage")
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        let (proxy, url) = try TCPProxy.inFront(of: try TestEnvironment.databaseURL())
        let follower = RunningFollower(harness, source: service.client, options: harness.followOptions(batchSize: 8, concurrency: 2),
                                       postgres: PostgresConfiguration(url: url))
        let (steps, _) = Self.stream(ids: 50, steps: 200)
        let producer = try PacedProducer(harness, steps: steps, perSecond: 40)
        #expect(try eventually(within: 60) { try harness.rowCount() >= 20 })
        proxy.cut()
        let cutAt = producer.count
        #expect(try eventually(within: 10) { follower.status.health.snapshot.down["postgresql"] != nil },
                "the follower did not notice PostgreSQL was gone")
        Thread.sleep(forTimeInterval: 5)
        let producedDuringOutage = producer.count - cutAt
        try proxy.restore()
        let newest = producer.finish()
        #expect(try eventually(within: 120) { try harness.caughtUp() }, "the follower did not catch up after the outage")
        try follower.stopAndWait()
        #expect(producedDuringOutage > 60)
        #expect(proxy.accepted > 4, "the follower never reconnected")
        let rows = try harness.rows()
        #expect(rows.count == newest.count)
        #expect(newest.allSatisfy { rows[$0.key]?.text == $0.value })
        #expect((follower.metric("backfill_embed_follow_retries_total{component=\"postgresql\"}") ?? 0) >= 1)
    }

    @Test("the broker gone for a few seconds mid-stream (librdkafka's mock cluster) is waited out and shown, and nothing is lost")
    func brokerOutage() throws {
        let harness = try EmbedHarness(prefix: "follow_broker", partitions: 1)
        defer { harness.dropSchema() }
        let mock = try MockCluster(brokers: 1)
        let topic = harness.topic + ".mock"
        try mock.createTopic(topic, partitions: 2)
        let service = try ScriptedService()
        var options = harness.followOptions(batchSize: 8)
        options.topic = topic
        let follower = RunningFollower(harness, source: service.client, options: options, kafka: mock.configuration)
        let producer = try KafkaProducer(configuration: mock.configuration, extra: ["linger.ms": "5", "message.timeout.ms": "60000"])
        func produce(_ range: Range<Int>) throws {
            for index in range {
                let value = try JSONSerialization.data(withJSONObject: ["id": "b\(index)", "text": "text \(index)"])
                try producer.send(topic: topic, partition: Int32(index % 2), key: nil, value: [UInt8](value))
            }
            try producer.flush()
        }
        try produce(0..<40)
        #expect(try eventually(within: 60) { try harness.rowCount() == 40 })
        try mock.setBrokerDown(1)
        #expect(try eventually(within: 15) { follower.status.health.snapshot.down["kafka"] != nil }, "the follower did not notice the broker was gone")
        #expect(follower.metric("backfill_embed_follow_up{component=\"kafka\"}") == 0)
        Thread.sleep(forTimeInterval: 3)
        try mock.setBrokerUp(1)
        try produce(40..<80)
        #expect(try eventually(within: 60) { try harness.rowCount() == 80 }, "the follower did not go on after the broker came back")
        #expect(try eventually(within: 15) { follower.status.health.snapshot.down["kafka"] == nil })
        try follower.stopAndWait()
        #expect(try harness.rows().count == 80)
        #expect(try harness.rows()["b79"]?.text == "text 79")
    }

    @Test("a change of the service's model while following stops the follower with a sentence saying what to do, and a restart refuses to mix models")
    func modelChangeStops() throws {
        let harness = try EmbedHarness(prefix: "follow_model", partitions: 1)
        defer { harness.dropSchema() }
        let service = try ScriptedService(model: "model-a")
        let follower = RunningFollower(harness, source: service.client, options: harness.followOptions())
        try harness.produce(messages(10), partitions: 1)
        #expect(try eventually(within: 30) { try harness.caughtUp() })
        service.setModel("model-b")
        try harness.produce([("late", "after the redeploy")], partitions: 1)
        let error = try #require(throws: EmbeddingsError.self) { try follower.wait(seconds: 30) }
        #expect(error.code == EmbeddingsError.Code.modelChanged)
        #expect(error.description.contains("switched from model model-a to model-b"))
        #expect(error.description.contains("backfill embed --from-beginning"))
        #expect(try harness.rows()["late"] == nil)

        let again = RunningFollower(harness, source: service.client, options: harness.followOptions())
        let refused = try #require(throws: EmbeddingsError.self) { try again.wait(seconds: 30) }
        #expect(refused.description.contains("was followed with model model-a but the embedding service"))

        // Once every row is of the new model, the follower goes on with it.
        #expect(try harness.run(service.client).counts.embedded == 11)
        let resumed = RunningFollower(harness, source: service.client, options: harness.followOptions())
        try harness.produce([("later", "now with model b")], partitions: 1)
        #expect(try eventually(within: 30) { try harness.rowCount() > 0 && harness.rows()["later"]?.model == "model-b" })
        try resumed.stopAndWait()
    }

    @Test("a table embedded by `embed` is followed from its manifest without a single request, and a second follower of the table is turned away")
    func followsOnFromABackfill() throws {
        let harness = try EmbedHarness(prefix: "follow_after", partitions: 2)
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        try harness.produce(messages(30))
        try harness.run(service.client)
        let requests = service.generateRequests
        let after = try Checkpoint.read(path: harness.manifestDirectory + "/latest.json")
        let follower = RunningFollower(harness, source: service.client, options: harness.followOptions(start: .checkpoint(after)))
        #expect(try eventually(within: 30) { try harness.caughtUp() })
        #expect(service.generateRequests == requests)

        var second = harness.followOptions()
        second.lockWait = 0.5
        let turnedAway = RunningFollower(harness, source: service.client, options: second)
        let busy = try #require(throws: WriterLockBusy.self) { try turnedAway.wait(seconds: 30) }
        #expect(busy.description.contains("another embedding backfill is already writing \(harness.table.display)"))
        #expect(busy.description.contains("backfill embed --follow lock"))

        try harness.produce([("m3", "an edit after the backfill")])
        #expect(try eventually(within: 30) { try harness.rows()["m3"]?.text == "an edit after the backfill" })
        try follower.stopAndWait()
        #expect(service.generateRequests == requests + 1)
    }

    @Test("without a checkpoint or a start the follower starts where its consumer group left off, and with neither it says how to start")
    func startsFromTheGroup() throws {
        let harness = try EmbedHarness(prefix: "follow_group", partitions: 1)
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        let nowhere = RunningFollower(harness, source: service.client, options: harness.followOptions(start: nil))
        let error = try #require(throws: EmbeddingsError.self) { try nowhere.wait(seconds: 30) }
        #expect(error.description.contains("where to start is not known; start with --from-beginning"))

        try harness.produce(messages(10), partitions: 1)
        var options = harness.followOptions(start: nil)
        options.group = TestEnvironment.uniqueName("seed-group")
        try KafkaAdmin(configuration: harness.kafka).commitOffsets(group: options.group!, topic: harness.topic, offsets: [0: 6])
        let follower = RunningFollower(harness, source: service.client, options: options)
        #expect(try eventually(within: 30) { try harness.caughtUp() })
        #expect(try eventually(within: 10) {
            try KafkaAdmin(configuration: harness.kafka).committedOffsets(group: options.group!, topic: harness.topic, partitions: [0])[0] == 10
        }, "the group was not committed to the end")
        try follower.stopAndWait()
        #expect(Set(try harness.rows().keys) == ["m6", "m7", "m8", "m9"])
    }
}
