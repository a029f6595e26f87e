import Backfill
import Embeddings
import Foundation
import Postgres
import Store
import TestSupport
import Testing

@Suite("Embedding backfill pipeline", .tags(.integration))
struct PipelineTests {
    @Test("a second run over the same range embeds nothing")
    func secondRunEmbedsNothing() throws {
        let harness = try EmbedHarness()
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        try harness.produce(messages(50))
        let first = try harness.run(service.client)
        #expect(first.counts.read == 50)
        #expect(first.counts.embedded == 50)
        #expect(first.counts.skippedCurrent == 0)
        let requests = service.generateRequests
        let second = try harness.run(service.client)
        #expect(second.counts.embedded == 0)
        #expect(second.counts.skippedCurrent == 50)
        #expect(service.generateRequests == requests)
        #expect(try harness.rows().count == 50)
        #expect(try harness.vector("m7") == ScriptedService.vector("message number 7 about nothing in particular", 8))
    }

    @Test("switching the model re-embeds every row once")
    func modelChangeReembedsOnce() throws {
        let harness = try EmbedHarness()
        defer { harness.dropSchema() }
        let service = try ScriptedService(model: "model-a")
        try harness.produce(messages(30))
        #expect(try harness.run(service.client).counts.embedded == 30)
        service.setModel("model-b")
        let switched = try harness.run(service.client)
        #expect(switched.counts.embedded == 30)
        #expect(switched.model == "model-b")
        #expect(try harness.rows().values.allSatisfy { $0.model == "model-b" })
        #expect(try harness.run(service.client).counts.embedded == 0)
    }

    @Test("a changed text re-embeds only that row, and the newest record of an id wins")
    func textChangeReembedsThatRow() throws {
        let harness = try EmbedHarness()
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        try harness.produce(messages(20))
        #expect(try harness.run(service.client).counts.embedded == 20)
        try harness.produceRaw([Array(#"{"id":"m3","text":"an edited message"}"#.utf8)], partition: 1)
        let again = try harness.run(service.client)
        #expect(again.counts.embedded == 1)
        #expect(again.counts.skippedCurrent == 19)
        #expect(again.counts.duplicate == 1)
        #expect(try harness.rows()["m3"]?.text == "an edited message")
        #expect(try harness.vector("m3") == ScriptedService.vector("an edited message", 8))
    }

    @Test("records that break the contract are quarantined with their reason and the rest are embedded")
    func badRecordsAreQuarantined() throws {
        let harness = try EmbedHarness(partitions: 1)
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        let longID = String(repeating: "x", count: 257)
        let longText = String(repeating: "é", count: 16 * 1024 + 1)  // 32 KiB + 2 bytes of UTF-8
        let values: [[UInt8]?] = [
            Array(#"{"id":"ok1","text":"fine"}"#.utf8),
            Array("not json".utf8),
            Array(#"["id","text"]"#.utf8),
            Array(#"{"text":"no id"}"#.utf8),
            Array(#"{"id":7,"text":"numeric id"}"#.utf8),
            Array(#"{"id":"","text":"empty id"}"#.utf8),
            Array("{\"id\":\"\(longID)\",\"text\":\"long id\"}".utf8),
            Array(#"{"id":"t1"}"#.utf8),
            Array(#"{"id":"t2","text":""}"#.utf8),
            Array(#"{"id":"t3","text":42}"#.utf8),
            Array("{\"id\":\"t4\",\"text\":\"\(longText)\"}".utf8),
            nil,
            [0x7B, 0x22, 0x69, 0x64, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D],  // {"id":"\xff"}
            Array(#"{"id":"ok2","text":"also fine","extra":{"ignored":true}}"#.utf8),
            Array(("{\"id\":\"" + String(repeating: "y", count: 256) + "\",\"text\":\"longest id allowed\"}").utf8),
        ]
        try harness.produceRaw(values)
        let manifest = try harness.run(service.client)
        #expect(manifest.counts.read == 15)
        #expect(manifest.counts.quarantined == 12)
        #expect(manifest.counts.embedded == 3)
        let reasons = Dictionary(uniqueKeysWithValues: try harness.quarantine().map { ($0.offset, $0.reason) })
        #expect(reasons.count == 12)
        #expect(reasons[1]?.contains("not JSON") == true)
        #expect(reasons[2] == "the value is not a JSON object")
        #expect(reasons[3] == "'id' is missing")
        #expect(reasons[4] == "'id' is not a string")
        #expect(reasons[5] == "'id' is empty")
        #expect(reasons[6] == "'id' has 257 characters; at most 256")
        #expect(reasons[7] == "'text' is missing")
        #expect(reasons[8] == "'text' is empty")
        #expect(reasons[9] == "'text' is not a string")
        #expect(reasons[10]?.hasPrefix("'text' has 32770 bytes") == true)
        #expect(reasons[11] == "the record has no value (null)")
        #expect(reasons[12]?.contains("UTF-8") == true)
        #expect(Set(try harness.rows().keys) == ["ok1", "ok2", String(repeating: "y", count: 256)])
        // Quarantine rows are not repeated by the next run.
        _ = try harness.run(service.client)
        #expect(try harness.quarantine().count == 12)
    }

    @Test("a run killed midway is finished by the next one without repeating committed batches")
    func killedRunResumesWithoutRepeating() throws {
        let harness = try EmbedHarness()
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        try harness.produce(messages(50))
        service.setHook { _, number in number > 3 ? .json(500, #"{"error":"down"}"#) : nil }
        #expect(throws: EmbeddingsError.self) {
            try harness.run(service.client, harness.options(batchSize: 10, concurrency: 1, maxRetries: 0))
        }
        let committed = try harness.rows().count
        #expect(committed == 30)
        service.setHook(nil)
        let second = try harness.run(service.client, harness.options(batchSize: 10, concurrency: 1))
        #expect(second.counts.skippedCurrent == 30)
        #expect(second.counts.embedded == 20)
        #expect(try harness.rows().count == 50)
    }

    @Test("the manifest chains: --after starts where the last embed run ended")
    func manifestChains() throws {
        let harness = try EmbedHarness()
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        try harness.produce(messages(10))
        _ = try harness.run(service.client)
        let path = harness.manifestDirectory + "/latest.json"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let previous = try decoder.decode(EmbedManifest.self, from: data)
        #expect(previous.ranges.map(\.count).reduce(0, +) == 10)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["model"] as? String == "test-model")
        #expect(json["dimension"] as? Int == 8)
        let counts = try #require(json["counts"] as? [String: Any])
        #expect(Set(counts.keys).isSuperset(of: ["read", "skipped_current", "embedded", "quarantined", "retries"]))
        try harness.produce(messages(5, prefix: "n"))
        let next = try harness.run(service.client, harness.options(bounds: RunBounds(start: .checkpoint(try Checkpoint.read(path: path)), end: .latest)))
        #expect(next.counts.read == 5)
        #expect(next.counts.embedded == 5)
        #expect(try harness.rows().count == 15)
    }

    @Test("a table whose vector dimension differs from the service's is a clear error")
    func dimensionMismatchIsAnError() throws {
        let harness = try EmbedHarness()
        defer { harness.dropSchema() }
        let service = try ScriptedService(dimension: 8)
        try harness.produce(messages(3))
        let db = try harness.connect()
        try db.execute("""
            create schema \(SQL.quoteIdentifier(harness.schema));
            create table \(harness.table.qualified) (id text primary key, text text not null, model_name text not null,
                embedding vector(3) not null, source_partition integer, source_offset bigint,
                embedded_at timestamptz not null default now())
            """)
        db.close()
        let error = try #require(throws: EmbeddingsError.self) { try harness.run(service.client) }
        #expect(error.code == .table)
        #expect(error.description.contains("vector(3)"))
        #expect(error.description.contains("8 dimensions"))
        #expect(try harness.rows().isEmpty)
    }
}
