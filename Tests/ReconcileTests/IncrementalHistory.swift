import Backfill
import Foundation
import Kafka
import Lifestream
import Logging
import Postgres
@testable import Reconcile
import Store
import TestSupport

/// A generated history on the real broker, cut into stages: each stage is produced and run into
/// the shadow (the tool's own incremental runs), so the manifest after each stage is a cut. The
/// live side is the live job's emulation of everything produced so far (`LiveReplay`), in its own
/// database when given.
final class IncrementalHistory {
    let topic: String
    let live: String
    let shadow: String
    var state: String { StateSchema.defaultName(forTarget: shadow) }
    let shadowDatabase: PostgresConfiguration
    let liveDatabase: PostgresConfiguration
    let kafka: KafkaConfiguration
    let manifests: String
    private(set) var produced: [OracleRecord] = []
    /// The checkpoint after each stage's run, in order.
    private(set) var cuts: [Checkpoint] = []
    private var lastManifest: RunManifest?
    private var nextOffset: [Int32: Int64] = [:]
    private var extraSchemas: [(PostgresConfiguration, String)] = []

    init(prefix: String, partitions: Int32 = 3, liveDatabase: PostgresConfiguration? = nil) throws {
        topic = TestEnvironment.uniqueName(prefix) + ".raw"
        live = TestEnvironment.uniqueName(prefix + "_live")
        shadow = TestEnvironment.uniqueName(prefix + "_shadow")
        kafka = try KafkaConfiguration(brokers: TestEnvironment.kafkaBrokers())
        shadowDatabase = PostgresConfiguration(url: try TestEnvironment.databaseURL())
        self.liveDatabase = liveDatabase ?? shadowDatabase
        manifests = NSTemporaryDirectory() + "/" + TestEnvironment.uniqueName("manifests")
        try KafkaAdmin(configuration: kafka).createTopic(topic, partitions: partitions, config: ["retention.ms": "-1", "max.message.bytes": "4194304"])
    }

    /// A messy stream: out of order, partial before create, missing creators, duplicates (half
    /// with another payload), equal instants and invalid records of every reason.
    static func records(events: Int, subjects: Int, seed: UInt64, partitions: Int32 = 3) -> [GeneratedRecord] {
        var options = GeneratorOptions()
        options.events = events
        options.subjects = subjects
        options.seed = seed
        options.partitions = partitions
        options.outOfOrderRate = 0.15
        options.partialBeforeCreateRate = 0.1
        options.missingCreatorRate = 0.05
        options.duplicateRate = 0.05
        options.duplicateWithDifferentPayloadRate = 0.5
        options.equalInstantRate = 0.05
        options.invalidRate = 0.03
        return Array(EventGenerator(options: options))
    }

    /// Produces `records` and runs the shadow over them (from the beginning, then after the last
    /// manifest); the run's checkpoint becomes the next cut.
    func stage<C: Collection<GeneratedRecord>>(_ records: C) throws {
        try produce(records)
        let start: RunBounds.Start = try lastManifest.map { try .after($0, path: "stage-\(cuts.count).json") } ?? .beginning
        var options = RunOptions(topic: topic, target: TargetSchema(name: shadow), state: StateSchema(name: state),
                                 bounds: RunBounds(start: start, end: .latest), toolVersion: "test", manifestDirectory: manifests)
        options.batchSize = 700
        options.materializeBatchSubjects = 150
        let runner = BackfillRunner(kafka: kafka, postgres: shadowDatabase, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let manifest = try runner.run(options)
        lastManifest = manifest
        cuts.append(try Checkpoint(manifest: manifest, path: "stage-\(cuts.count + 1).json"))
    }

    /// Where each partition ends after what was produced so far.
    var ends: [Int32: Int64] { nextOffset }

    /// Produces `records` without running anything.
    func produce<C: Collection<GeneratedRecord>>(_ records: C) throws {
        let producer = try KafkaProducer(configuration: kafka, extra: ["message.max.bytes": "4194304", "linger.ms": "5"])
        for record in records {
            try producer.send(topic: topic, partition: record.partition, key: record.key, value: record.value, timestamp: record.timestamp)
            let offset = nextOffset[record.partition, default: 0]
            nextOffset[record.partition] = offset + 1
            produced.append(OracleRecord(offset: offset, partition: record.partition, key: record.key, value: record.value))
        }
        try producer.flush()
    }

    /// The live job's tables after everything produced so far (arrival order, no event-time guard).
    func replayLive() throws {
        _ = try LiveReplay(kafka: kafka, postgres: liveDatabase, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            .run(topic: topic, bounds: RunBounds(start: .beginning, end: .latest), target: TargetSchema(name: live), legacyTables: false)
    }

    /// The subjects a record at or after `cut` may have written rows of, decided without the
    /// tool's code: a valid record's subject_id (the independent oracle's validator); for a record
    /// the contract refuses, the value's `subject_id` when it is a JSON object (of at most 1 MiB,
    /// the contract's limit) with a non-empty string there, else the key as UTF-8.
    func touched(since cut: Checkpoint?) -> [String] {
        var subjects = Set<[UInt8]>()
        for record in produced where record.offset >= cut?.ends[record.partition] ?? 0 {
            if let (subject, _) = CanonicalOracle.subjectAndKind(of: record.value) {
                subjects.insert(Array(subject.utf8))
            } else if record.value.count <= 1 << 20, let object = try? JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any],
                      let subject = object["subject_id"] as? String, !subject.isEmpty {
                subjects.insert(Array(subject.utf8))
            } else if let key = record.key, !key.isEmpty, let text = String(validating: key, as: UTF8.self), !text.utf8.contains(0) {
                subjects.insert(Array(text.utf8))
            }
        }
        return subjects.sorted { $0.lexicographicallyPrecedes($1) }.map { String(decoding: $0, as: UTF8.self) }
    }

    func request(samples: Int = 20) -> DiffRequest {
        DiffRequest(left: DiffSide(configuration: liveDatabase, schema: live), right: DiffSide(configuration: shadowDatabase, schema: shadow),
                    sampleLimit: samples, stateSchema: state)
    }

    /// A full diff of only `subjects`' rows: both sides copied, restricted to them, into schemas of
    /// their own, and diffed in full with the shadow's event log for causes.
    func fullDiff(restrictedTo subjects: [String], samples: Int = 20) throws -> DiffReport {
        let suffix = TestEnvironment.uniqueName("r")
        let liveCopy = try copy(live, on: liveDatabase, as: live + suffix, subjects: subjects)
        let shadowCopy = try copy(shadow, on: shadowDatabase, as: shadow + suffix, subjects: subjects)
        return try DiffRunner.run(DiffRequest(left: DiffSide(configuration: liveDatabase, schema: liveCopy),
                                              right: DiffSide(configuration: shadowDatabase, schema: shadowCopy),
                                              sampleLimit: samples, stateSchema: state))
    }

    private func copy(_ schema: String, on configuration: PostgresConfiguration, as name: String, subjects: [String]) throws -> String {
        let db = try PostgresConnection.connect(configuration)
        defer { db.close() }
        try db.execute("set client_min_messages = warning; create schema \(SQL.quoteIdentifier(name))")
        extraSchemas.append((configuration, name))
        for table in LifestreamTables.all {
            let source = SQL.qualifiedName(schema, table.name), target = SQL.qualifiedName(name, table.name)
            try db.execute("create table \(target) (like \(source) including all)")
            try db.query("insert into \(target) select * from \(source) where subject_id = any($1::text[])", [.array(subjects)])
        }
        return name
    }

    /// Runs `sql` on `configuration`'s database.
    func execute(_ sql: String, on configuration: PostgresConfiguration? = nil, _ parameters: [PostgresValue] = []) throws {
        let db = try PostgresConnection.connect(configuration ?? shadowDatabase)
        defer { db.close() }
        try db.query(sql, parameters)
    }

    func drop() {
        for (configuration, schema) in extraSchemas + [(liveDatabase, live), (shadowDatabase, shadow), (shadowDatabase, state)] {
            guard let db = try? PostgresConnection.connect(configuration) else { continue }
            _ = try? db.execute("set client_min_messages = warning; drop schema if exists \(SQL.quoteIdentifier(schema)) cascade")
            db.close()
        }
        try? KafkaAdmin(configuration: kafka).deleteTopic(topic)
        try? FileManager.default.removeItem(atPath: manifests)
    }
}

extension DiffReport {
    /// What two diffs of the same rows must agree on: every table (counts, changed columns,
    /// samples with their causes, causes) and the causes overall; timings and scope aside.
    func findings() -> (tables: [TableDiff], causes: CauseSummary) { (untimedTables, causes) }
}
