import Backfill
import Embeddings
import Foundation
import Kafka
import Logging
import Postgres
import Store
import Synchronization
import TestSupport

/// An embedding service on the scripted HTTP server: by default it answers like the real one,
/// with deterministic vectors, and `hook` can replace any `/generate` answer to inject a failure.
final class ScriptedService: Sendable {
    let server: ScriptedHTTPServer
    private let state: State

    /// What the script answers with; the server's threads read it, a test changes it.
    final class State: Sendable {
        struct Values {
            var model: String
            var dimension: Int
            /// Given the request's texts and its number, an answer to give instead of the normal one.
            var hook: (@Sendable ([String], Int) -> ScriptedHTTPServer.Reply?)?
        }

        let values: Mutex<Values>
        init(model: String, dimension: Int) {
            values = Mutex(Values(model: model, dimension: dimension))
        }
    }

    init(model: String = "test-model", dimension: Int = 8) throws {
        let state = State(model: model, dimension: dimension)
        self.state = state
        server = try ScriptedHTTPServer { request in
            let (model, dimension, hook) = state.values.withLock { ($0.model, $0.dimension, $0.hook) }
            if request.path == "/health" {
                return .json(200, "{\"status\":\"ok\",\"model\":\"\(model)\",\"dimension\":\(dimension)}")
            }
            guard request.path == "/generate",
                  let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                  let texts = object["texts"] as? [String]
            else { return .json(400, "{\"error\":\"bad request\"}") }
            if let reply = hook?(texts, request.number) { return reply }
            return .json(200, Self.answer(model: model, dimension: dimension, vectors: texts.map { Self.vector($0, dimension) }))
        }
    }

    var url: URL { server.url }
    var client: ServiceClient { ServiceClient(baseURL: server.url, timeout: 10, connections: 4) }
    var generateRequests: Int { server.requests("/generate").count }

    func setModel(_ model: String) { state.values.withLock { $0.model = model } }
    func setHook(_ hook: (@Sendable ([String], Int) -> ScriptedHTTPServer.Reply?)?) { state.values.withLock { $0.hook = hook } }

    static func vector(_ text: String, _ dimension: Int) -> [Float] { SyntheticVectors(dimension: dimension).vector(for: text) }

    /// A /generate body; `raw` lets a test put tokens such as NaN in place of a vector.
    static func answer(model: String, dimension: Int, vectors: [[Float]], raw: [Int: String] = [:]) -> String {
        let rows = vectors.enumerated().map { index, vector in raw[index] ?? "[" + vector.map { "\($0)" }.joined(separator: ",") + "]" }
        return "{\"model\":\"\(model)\",\"dimension\":\(dimension),\"embeddings\":[\(rows.joined(separator: ","))]}"
    }
}

/// A text-messages topic on the real broker, a schema of its own, and helpers to run the
/// embedding backfill and read the table back.
final class EmbedHarness {
    let topic: String
    let schema: String
    let kafka: KafkaConfiguration
    let postgres: PostgresConfiguration
    let runPostgres: PostgresConfiguration
    let manifestDirectory: String
    var table: EmbeddingTable { EmbeddingTable(schema: schema, name: "text_message_embeddings") }

    /// `databaseURL`: where the runs connect (a pooler, say); the harness's own checks go direct.
    init(prefix: String = "embed", partitions: Int32 = 2, databaseURL: String? = nil) throws {
        topic = TestEnvironment.uniqueName(prefix) + ".text-messages"
        schema = TestEnvironment.uniqueName(prefix)
        kafka = KafkaConfiguration(brokers: try TestEnvironment.kafkaBrokers())
        postgres = PostgresConfiguration(url: try TestEnvironment.databaseURL())
        runPostgres = databaseURL.map { PostgresConfiguration(url: $0) } ?? postgres
        manifestDirectory = NSTemporaryDirectory() + "/" + TestEnvironment.uniqueName("embed-manifests")
        try KafkaAdmin(configuration: kafka).createTopic(topic, partitions: partitions, config: ["retention.ms": "-1", "max.message.bytes": "4194304"])
    }

    /// Produces raw values to a partition, in order.
    func produceRaw(_ values: [[UInt8]?], partition: Int32 = 0, timestamp: Int64? = nil) throws {
        let producer = try KafkaProducer(configuration: kafka, extra: ["message.max.bytes": "4194304", "linger.ms": "5"])
        for value in values { try producer.send(topic: topic, partition: partition, key: nil, value: value, timestamp: timestamp) }
        try producer.flush()
    }

    /// Produces `{"id", "text"}` messages, spread over the partitions by index.
    func produce(_ messages: [(id: String, text: String)], partitions: Int32 = 2) throws {
        let producer = try KafkaProducer(configuration: kafka, extra: ["linger.ms": "5"])
        for (index, message) in messages.enumerated() {
            let object: [String: Any] = ["id": message.id, "text": message.text, "sent_at": "2026-11-23T00:00:00Z"]
            let value = try JSONSerialization.data(withJSONObject: object)
            try producer.send(topic: topic, partition: Int32(index) % partitions, key: Array(message.id.utf8), value: [UInt8](value))
        }
        try producer.flush()
    }

    func options(batchSize: Int = 16, concurrency: Int = 2, maxRetries: Int = 6, buildIndex: Bool = false,
                 bounds: RunBounds = RunBounds(start: .beginning, end: .latest)) -> EmbedOptions {
        var options = EmbedOptions(bounds: bounds, toolVersion: "test", manifestDirectory: manifestDirectory)
        options.topic = topic
        options.table = table
        options.batchSize = batchSize
        options.concurrency = concurrency
        options.buildIndex = buildIndex
        options.retry = RetryPolicy(maxRetries: maxRetries, initialDelay: 0.05, maxDelay: 0.5, maxRetryAfter: 5)
        options.lockWait = 5
        return options
    }

    @discardableResult
    func run(_ source: any EmbeddingSource, _ options: EmbedOptions? = nil) throws -> EmbedManifest {
        let runner = EmbedRunner(kafka: kafka, postgres: runPostgres, source: source, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        return try runner.run(options ?? self.options())
    }

    func connect() throws -> PostgresConnection { try PostgresConnection.connect(postgres) }

    /// id → (text, model) of every row.
    func rows() throws -> [String: (text: String, model: String)] {
        let db = try connect()
        defer { db.close() }
        let result = try db.query("select id, text, model_name from \(table.qualified)")
        var rows: [String: (text: String, model: String)] = [:]
        for r in 0..<result.rowCount { rows[result[r, 0]!] = (result[r, 1]!, result[r, 2]!) }
        return rows
    }

    /// The stored vector of `id`.
    func vector(_ id: String) throws -> [Float]? {
        let db = try connect()
        defer { db.close() }
        guard let text = try db.query("select embedding::text from \(table.qualified) where id = $1", [.text(id)]).scalar else { return nil }
        return text.dropFirst().dropLast().split(separator: ",").map { Float($0)! }
    }

    /// (offset, reason) of the quarantine rows, by offset.
    func quarantine() throws -> [(partition: Int32, offset: Int64, reason: String, value: String?)] {
        let db = try connect()
        defer { db.close() }
        let result = try db.query("select partition, \"offset\", reason, encode(value, 'escape') from \(table.quarantine) order by partition, \"offset\"")
        return (0..<result.rowCount).map { (Int32(result[$0, 0]!)!, Int64(result[$0, 1]!)!, result[$0, 2]!, result[$0, 3]) }
    }

    /// The first column of the first row of `sql`.
    func scalar(_ sql: String) throws -> String? {
        let db = try connect()
        defer { db.close() }
        return try db.query(sql).scalar
    }

    func dropSchema() {
        guard let db = try? connect() else { return }
        _ = try? db.execute("drop schema if exists \(SQL.quoteIdentifier(schema)) cascade")
        db.close()
    }
}

/// `count` distinct messages m0…m(count-1).
func messages(_ count: Int, prefix: String = "m", text: (Int) -> String = { "message number \($0) about nothing in particular" }) -> [(id: String, text: String)] {
    (0..<count).map { ("\(prefix)\($0)", text($0)) }
}
