import Backfill
import Foundation
import Kafka
import Lifestream
import Logging
import Postgres
import Store
import TestSupport

/// A topic on the real broker, the records produced to it (with the offsets they got), and
/// helpers to run the pipeline and read back what it wrote.
final class Harness {
    let topic: String
    let target: String
    let kafka: KafkaConfiguration
    let postgres: PostgresConfiguration
    let manifestDirectory: String
    private(set) var produced: [OracleRecord] = []
    private var nextOffset: [Int32: Int64] = [:]
    /// Whether `dropSchemas` deletes the topic: only one this harness created. The others live on
    /// librdkafka's mock cluster, which goes with its topics and has no DeleteTopics (asking
    /// cost 15 s of timeout per harness).
    private let ownsTopic: Bool

    /// `databaseURL`: another server than the suite's PostgreSQL 18 (the PostgreSQL 15 smoke test's).
    init(prefix: String, partitions: Int32 = 4, kafka: KafkaConfiguration? = nil, createTopic: Bool = true, databaseURL: String? = nil) throws {
        topic = TestEnvironment.uniqueName(prefix) + ".raw"
        target = TestEnvironment.uniqueName(prefix)
        self.kafka = try kafka ?? KafkaConfiguration(brokers: TestEnvironment.kafkaBrokers())
        postgres = PostgresConfiguration(url: try databaseURL ?? TestEnvironment.databaseURL())
        manifestDirectory = NSTemporaryDirectory() + "/" + TestEnvironment.uniqueName("manifests")
        ownsTopic = createTopic
        if createTopic {
            try KafkaAdmin(configuration: self.kafka).createTopic(topic, partitions: partitions,
                                                                 config: ["retention.ms": "-1", "max.message.bytes": "4194304"])
        }
    }

    /// Produces records; each goes to its partition in order, so its offset is known.
    /// `producer` adds librdkafka producer properties (e.g. small record batches).
    func produce(_ records: [GeneratedRecord], producer properties: [String: String] = [:]) throws {
        let producer = try KafkaProducer(configuration: kafka, extra: ["message.max.bytes": "4194304", "linger.ms": "5"].merging(properties) { $1 })
        for record in records {
            try producer.send(topic: topic, partition: record.partition, key: record.key, value: record.value, timestamp: record.timestamp)
            let offset = nextOffset[record.partition, default: 0]
            nextOffset[record.partition] = offset + 1
            produced.append(OracleRecord(offset: offset, partition: record.partition, key: record.key, value: record.value))
        }
        try producer.flush()
    }

    func options(bounds: RunBounds, target: String? = nil, bulkLoad: Bool = true) -> RunOptions {
        let name = target ?? self.target
        var options = RunOptions(topic: topic, target: TargetSchema(name: name), state: StateSchema(name: StateSchema.defaultName(forTarget: name)),
                                 bounds: bounds, toolVersion: "test", manifestDirectory: manifestDirectory)
        options.batchSize = 1_000
        options.materializeBatchSubjects = 300
        options.allowBulkLoad = bulkLoad
        return options
    }

    @discardableResult
    func run(_ bounds: RunBounds = RunBounds(start: .beginning, end: .latest), target: String? = nil, bulkLoad: Bool = true) throws -> RunManifest {
        let runner = BackfillRunner(kafka: kafka, postgres: postgres, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        return try runner.run(options(bounds: bounds, target: target, bulkLoad: bulkLoad))
    }

    /// Starts `backfill run --from-beginning` of the topic into `target` as a process of its
    /// own, against `databaseURL` (the harness's database unless given, e.g. a pooler's).
    func launch(target: String, databaseURL: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try CLIProcess.executable())
        process.arguments = ["run", "--from-beginning", "--topic", topic, "--target-schema", target,
                             "--manifest-dir", manifestDirectory, "--batch-size", "500", "--quiet"]
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = databaseURL ?? postgres.url
        environment["KAFKA_BROKERS"] = kafka.brokers
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func runAfter(_ manifest: RunManifest, target: String? = nil) throws -> RunManifest {
        try run(RunBounds(start: .after(manifest, path: "previous.json"), end: .latest), target: target)
    }

    /// The nine tables of `schema` in the oracle's shape.
    func state(schema: String? = nil) throws -> OracleState {
        let db = try PostgresConnection.connect(postgres)
        defer { db.close() }
        var state = OracleState()
        for table in LifestreamTables.all {
            let select = table.columns.map { column -> String in
                let q = SQL.quoteIdentifier(column.name)
                return column.type == "timestamptz" ? "(extract(epoch from \(q)) * 1000000)::int8" : "\(q)::text"
            }
            let result = try db.query("select \(select.joined(separator: ", ")) from \(SQL.quoteIdentifier(schema ?? target)).\(SQL.quoteIdentifier(table.name))")
            var rows: [String: OracleRow] = [:]
            for r in 0..<result.rowCount {
                var row: OracleRow = [:]
                for (i, column) in table.columns.enumerated() {
                    guard let text = result[r, i] else { row[column.name] = .null; continue }
                    switch column.type {
                    case "timestamptz": row[column.name] = .timestamp(micros: Int64(text)!)
                    case "integer": row[column.name] = .integer(Int64(text)!)
                    case "double precision": row[column.name] = .double(Double(text)!)
                    case "jsonb": row[column.name] = OracleValue.canonicalJSON(text: text)!
                    default: row[column.name] = .text(text)
                    }
                }
                let key: String
                if table.name == "temperature_readings", case .timestamp(let micros)? = row["occurred_at"], case .text(let id)? = row["subject_id"] {
                    key = OracleState.readingKey(subjectID: id, occurredAtMicros: micros)
                } else if case .text(let id)? = row["subject_id"] {
                    key = id
                } else {
                    key = "?"
                }
                rows[key] = row
            }
            state.tables[table.name] = rows
        }
        return state
    }

    /// (partition, offset, reason) of every quarantine row, sorted.
    func quarantine(schema: String? = nil) throws -> [String] {
        let db = try PostgresConnection.connect(postgres)
        defer { db.close() }
        let result = try db.query("select partition, \"offset\", reason from \(SQL.quoteIdentifier(schema ?? target)).quarantine order by 1, 2")
        return (0..<result.rowCount).map { "\(result[$0, 0]!)/\(result[$0, 1]!) \(result[$0, 2]!)" }
    }

    /// The quoted state schema of the harness's target.
    var stateSchema: String { SQL.quoteIdentifier(StateSchema.defaultName(forTarget: target)) }

    /// The first column of the first row of `sql`, with `parameters` bound to `$1`, `$2`, ….
    func scalar(_ sql: String, _ parameters: [PostgresValue] = []) throws -> String? {
        let db = try PostgresConnection.connect(postgres)
        defer { db.close() }
        return try db.query(sql, parameters).scalar
    }

    /// Runs statements (several may be given, separated by semicolons).
    func execute(_ sql: String) throws {
        let db = try PostgresConnection.connect(postgres)
        defer { db.close() }
        try db.execute(sql)
    }

    func dropSchemas() {
        guard let db = try? PostgresConnection.connect(postgres) else { return }
        defer { db.close() }
        let rows = (try? db.query("select nspname from pg_namespace where nspname like $1", [.text(target + "%")]))
        for r in 0..<(rows?.rowCount ?? 0) {
            if let name = rows?[r, 0] { try? db.execute("drop schema if exists \(SQL.quoteIdentifier(name)) cascade") }
        }
        if ownsTopic { try? KafkaAdmin(configuration: kafka).deleteTopic(topic) }
    }
}

/// Explains the first differences between two states, so a failing test says where.
func differences(_ a: OracleState, _ b: OracleState, limit: Int = 5) -> [String] {
    var out: [String] = []
    for table in a.tables.keys.sorted() {
        let left = a.tables[table] ?? [:], right = b.tables[table] ?? [:]
        for key in Set(left.keys).union(right.keys).sorted() where left[key] != right[key] {
            guard out.count < limit else { return out }
            let l = left[key], r = right[key]
            if let l, let r {
                let columns = Set(l.keys).union(r.keys).sorted().filter { l[$0] != r[$0] }
                out.append("\(table)[\(key)]: " + columns.map { "\($0): \(l[$0].map(String.init(describing:)) ?? "-") vs \(r[$0].map(String.init(describing:)) ?? "-")" }.joined(separator: "; "))
            } else {
                out.append("\(table)[\(key)]: only on the \(l == nil ? "second" : "first") side")
            }
        }
    }
    return out
}

extension GeneratorOptions {
    static func damaged(events: Int, subjects: Int, seed: UInt64, partitions: Int32 = 4) -> GeneratorOptions {
        var o = GeneratorOptions()
        o.events = events
        o.subjects = subjects
        o.seed = seed
        o.partitions = partitions
        o.outOfOrderRate = 0.15
        o.partialBeforeCreateRate = 0.1
        o.missingCreatorRate = 0.05
        o.duplicateRate = 0.05
        o.duplicateWithDifferentPayloadRate = 0.5
        o.equalInstantRate = 0.05
        o.invalidRate = 0.02
        return o
    }
}
