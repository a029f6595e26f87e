import Embeddings
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Kafka
import TestSupport
import Testing

/// `backfill embed --follow` as a process, signalled as systemd or an operator would.
@Suite("backfill embed --follow as a process", .tags(.integration))
struct FollowProcessTests {
    static func followArguments(_ harness: EmbedHarness, _ service: URL, batchSize: Int = 8) -> [String] {
        ["embed", "--follow", "--from-beginning", "--topic", harness.topic, "--schema", harness.schema, "--service-url", service.absoluteString,
         "--batch-size", "\(batchSize)", "--concurrency", "2", "--linger-ms", "50", "--listen", "127.0.0.1:0"]
    }

    /// The texts of the /generate requests the service has received.
    static func requestedTexts(_ service: ScriptedService, from index: Int = 0) -> [[String]] {
        service.server.requests("/generate").dropFirst(index).map { request in
            ((try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any])?["texts"] as? [String] ?? []
        }
    }


    @Test("SIGTERM with batches in flight finishes and commits them, exits 0, and a restart re-embeds none of them; /metrics and /healthz answer meanwhile")
    func gracefulStop() throws {
        let harness = try EmbedHarness(prefix: "follow_term", partitions: 1)
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        service.setHook { _, _ in
            Thread.sleep(forTimeInterval: 1.5)
            return nil
        }
        try harness.produce(messages(80), partitions: 1)
        let running = try CLIProcess.launch(Self.followArguments(harness, service.url))
        defer { running.stop() }
        #expect(eventually(within: 60) { running.statusPort != nil && harness.table.schema.isEmpty == false && (try? harness.rowCount()) ?? 0 >= 8 })
        let port = try #require(running.statusPort)
        let metrics = try #require(blockingGet("http://127.0.0.1:\(port)/metrics"))
        #expect(metrics.body.contains("backfill_embed_follow_records_total{outcome=\"embedded\"}"))
        #expect(metrics.body.contains("backfill_embed_follow_service_latency_seconds_bucket"))
        #expect(blockingGet("http://127.0.0.1:\(port)/healthz")?.status == 200)

        // Signal right after a request reaches the service: that batch is in flight for 1.5 s.
        let before = service.generateRequests
        #expect(eventually(within: 30) { service.generateRequests > before })
        let inFlight = Self.requestedTexts(service).flatMap { $0 }
        running.send(SIGTERM)
        let outcome = try #require(running.finish(within: 30), "the follower did not stop within 30 s of SIGTERM")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("SIGTERM: stopping after the batch in flight"))
        #expect(outcome.stderr.contains("stopped after the batches in flight"))
        let rows = try harness.rows()
        let requestedBeforeStop = Self.requestedTexts(service).flatMap { $0 }
        #expect(inFlight.allSatisfy { text in rows.values.contains { $0.text == text } }, "a batch in flight at SIGTERM was not committed")
        #expect(requestedBeforeStop.allSatisfy { text in rows.values.contains { $0.text == text } }, "a batch handed to the service was not committed")
        #expect(rows.count < 80, "the stop came too late to show anything")
        #expect(try harness.checkpoint()[0] == Int64(rows.count))

        service.setHook(nil)
        let requestsAtRestart = service.generateRequests
        let again = try CLIProcess.launch(Self.followArguments(harness, service.url))
        defer { again.stop() }
        #expect(eventually(within: 60) { (try? harness.caughtUp()) ?? false })
        again.send(SIGTERM)
        #expect(again.finish(within: 30)?.status == 0)
        let reembedded = Set(Self.requestedTexts(service, from: requestsAtRestart).flatMap { $0 }).intersection(rows.values.map(\.text))
        #expect(reembedded.isEmpty, "committed texts embedded again: \(reembedded.sorted().prefix(5))")
        #expect(try harness.rows().count == 80)
    }

    @Test("SIGKILL at a random moment mid-stream: the next start resumes at the checkpoint, re-embeds nothing that was committed, and loses nothing",
          arguments: [0.0, 0.35, 0.8])
    func killResumes(extraDelay: Double) throws {
        let harness = try EmbedHarness(prefix: "follow_kill", partitions: 2)
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        service.setHook { _, _ in
            Thread.sleep(forTimeInterval: 0.2)
            return nil
        }
        try harness.produce(messages(120))
        let running = try CLIProcess.launch(Self.followArguments(harness, service.url))
        defer { running.stop() }
        #expect(eventually(within: 60) { (try? harness.rowCount()) ?? 0 >= 24 })
        Thread.sleep(forTimeInterval: extraDelay)
        running.send(SIGKILL)
        _ = running.finish(within: 10)
        let committed = try harness.rowsWithTimes()
        let checkpoint = try harness.checkpoint()
        #expect(committed.count < 120, "the kill came after the end")
        #expect(checkpoint.values.reduce(0, +) >= Int64(committed.count), "the checkpoint is behind the rows")

        let requestsAtRestart = service.generateRequests
        let again = try CLIProcess.launch(Self.followArguments(harness, service.url))
        defer { again.stop() }
        #expect(eventually(within: 120) { (try? harness.caughtUp()) ?? false })
        again.send(SIGTERM)
        #expect(again.finish(within: 30)?.status == 0)
        let after = try harness.rowsWithTimes()
        #expect(after.count == 120)
        for (id, row) in committed {
            #expect(after[id]?.embeddedAt == row.embeddedAt, "row \(id) was written again after the restart")
        }
        let reembedded = Set(Self.requestedTexts(service, from: requestsAtRestart).flatMap { $0 }).intersection(committed.values.map(\.text))
        #expect(reembedded.isEmpty, "committed texts embedded again: \(reembedded.sorted().prefix(5))")
    }

    @Test("a .env written in the embedding job's names drives embed, embed --follow (its group is KAFKA_GROUP_ID) and config check, with the password masked")
    func seedEnvironment() throws {
        let harness = try EmbedHarness(prefix: "follow_seed_env", partitions: 2)
        defer { harness.dropSchema() }
        try harness.produce(messages(20))
        let database = try #require(URLComponents(string: try TestEnvironment.databaseURL()))
        let password = try #require(database.password)
        let group = TestEnvironment.uniqueName("flink-embedding-job")
        let table = "seed_embeddings"
        let directory = NSTemporaryDirectory() + TestEnvironment.uniqueName("seed-env")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("""
            KAFKA_BOOTSTRAP_SERVERS=\(try TestEnvironment.kafkaBrokers())
            KAFKA_INPUT_TOPIC=\(harness.topic)
            KAFKA_GROUP_ID=\(group)
            PGVECTOR_HOST=\(database.host!)
            PGVECTOR_DB=\(database.path.dropFirst())
            PGVECTOR_USER=\(database.user!)
            PGVECTOR_PASSWORD=\(password)
            PGVECTOR_TABLE=\(table)
            PGVECTOR_DIMENSION=384
            EMBEDDING_SERVICE_URL=\(try TestEnvironment.embeddingServiceURL())
            FLINK_PARALLELISM=2

            """.utf8).write(to: URL(fileURLWithPath: directory + "/.env"))
        // The seed's .env has no port: libpq's own PGPORT gives it, as it would for the seed's job.
        let environment = ["PGPORT": "\(database.port ?? 5432)", "BACKFILL_EMBED_SCHEMA": harness.schema]
        let removing = ["DATABASE_URL", "KAFKA_BROKERS", "EMBEDDING_SERVICE_URL", "BACKFILL_CONFIG", "BACKFILL_TOPIC"]

        let embedded = try CLIProcess.run(["embed", "--from-beginning", "--manifest-dir", directory + "/manifests", "--json", "--quiet"],
                                          environment: environment, removing: removing, workingDirectory: directory)
        #expect(embedded.status == 0, "\(embedded.stderr)")
        #expect(try JSONDecoder.iso8601.decode(EmbedManifest.self, from: Data(embedded.stdout.utf8)).table == table)
        #expect(try harness.scalar("select count(*) from \(harness.schema).\(table)") == "20")

        let check = try CLIProcess.run(["config", "check"], environment: environment, removing: removing, workingDirectory: directory)
        #expect(check.status == 0, "\(check.everything)")
        #expect(check.stdout.contains("[.env .env as KAFKA_BOOTSTRAP_SERVERS]"))
        #expect(check.stdout.contains("\(table)  [.env .env as PGVECTOR_TABLE]"))
        #expect(check.stdout.contains("\(group)  [.env .env as KAFKA_GROUP_ID]"))
        #expect(check.stdout.contains("PGVECTOR_PASSWORD            ***"))
        #expect(check.stdout.contains("ok     postgresql (embeddings):"))
        #expect(check.stdout.contains("ok     kafka (text messages):"))
        #expect(check.stdout.contains("ok     embedding service:"))
        #expect(!check.everything.contains(password))
        #expect(!embedded.everything.contains(password))

        // No checkpoint, no start, and the seed's group has committed nothing: it says how to start.
        let nowhere = try CLIProcess.run(["embed", "--follow", "--linger-ms", "50"], environment: environment, removing: removing,
                                         workingDirectory: directory)
        #expect(nowhere.status == 2)
        #expect(nowhere.stderr.contains("consumer group \(group) has committed nothing there"), "\(nowhere.stderr)")

        let after = directory + "/manifests/latest.json"
        let resumed = try CLIProcess.launch(["embed", "--follow", "--after", after, "--linger-ms", "50"], environment: environment,
                                            removing: removing, workingDirectory: directory)
        defer { resumed.stop() }
        try harness.produce([("m3", "edited while following")])
        #expect(eventually(within: 60) { (try? harness.scalar("select text from \(harness.schema).\(table) where id = 'm3'")) == "edited while following" })
        #expect(eventually(within: 30) {
            (try? KafkaAdmin(configuration: harness.kafka).committedOffsets(group: group, topic: harness.topic, partitions: [0, 1]))
                .map { $0.values.compactMap { $0 }.reduce(0, +) } == 21
        }, "the follower did not commit its progress as the seed's group")
        resumed.send(SIGTERM)
        let stopped = try #require(resumed.finish(within: 30))
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(!stopped.everything.contains(password))

        let mismatch = try CLIProcess.run(["config", "check"], environment: environment.merging(["PGVECTOR_DIMENSION": "512"]) { $1 },
                                          removing: removing, workingDirectory: directory)
        #expect(mismatch.status == 2)
        #expect(mismatch.stderr.contains("fix BACKFILL_EMBED_DIMENSION (from env as PGVECTOR_DIMENSION)"), "\(mismatch.stderr)")
    }
}

extension CLIProcess.Outcome {
    var everything: String { stdout + stderr }
}
