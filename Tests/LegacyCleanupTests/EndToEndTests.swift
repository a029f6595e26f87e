import Backfill
import Foundation
import Kafka
import LegacyCleanup
import Lifestream
import Logging
import Postgres
import Store
import TestSupport
import Testing

@Suite("cleanup-legacy after a real replay and rebuild", .tags(.integration))
struct EndToEndTests {
    @Test("legacy tables written by replay --legacy-tables are retired once Flink has caught up and the cutover report passes")
    func replayThenCleanup() throws {
        let fixture = try Fixture(prefix: "legacye2e")
        // In-order, clean events: every id reaches the event log.
        var options = GeneratorOptions()
        options.events = 400
        options.subjects = 60
        options.partitions = 2
        options.seed = 7
        options.outOfOrderRate = 0
        options.partialBeforeCreateRate = 0
        options.missingCreatorRate = 0
        options.duplicateRate = 0
        options.duplicateWithDifferentPayloadRate = 0
        options.equalInstantRate = 0
        options.invalidRate = 0
        let producer = try KafkaProducer(configuration: fixture.kafka, extra: ["linger.ms": "5"])
        var ends: [Int32: Int64] = [:]
        for record in EventGenerator(options: options) {
            try producer.send(topic: fixture.topic, partition: record.partition, key: record.key, value: record.value, timestamp: record.timestamp)
            ends[record.partition, default: 0] += 1
        }
        try producer.flush()

        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let bounds = RunBounds(start: .beginning, end: .latest)
        _ = try LiveReplay(kafka: fixture.kafka, postgres: fixture.postgres, logger: logger)
            .run(topic: fixture.topic, bounds: bounds, target: TargetSchema(name: fixture.schema), legacyTables: true)
        var run = RunOptions(topic: fixture.topic, target: TargetSchema(name: fixture.target), state: StateSchema(name: fixture.state),
                             bounds: bounds, toolVersion: "test", manifestDirectory: fixture.directory + "/manifests")
        run.batchSize = 1_000
        _ = try BackfillRunner(kafka: fixture.kafka, postgres: fixture.postgres, logger: logger).run(run)

        // Flink one record short on partition 0, and no cutover report: the fresh diff finds the
        // live job's systematic differences (e.g. subjects.created_at), so checks 1 and 3 refuse.
        try fixture.commitFlink([0: ends[0]! - 1, 1: ends[1]!])
        let behind = try fixture.cleanup(fixture.request())
        #expect(behind.result == .refused)
        #expect(behind.checks.map(\.status) == [.fail, .pass, .fail, .pass])
        #expect(behind.checks[0].evidence["largest_gap"] == .int(1))
        #expect(behind.checks[1].evidence["unknown"] == .int(0))
        #expect(behind.checks[1].evidence["known"] == .int(400))
        guard case .int(let differences)? = behind.checks[2].evidence["diff_differences"] else {
            Issue.record("the fresh diff did not run")
            return
        }
        #expect(differences > 0)

        let subjects = "select count(*) from \(SQL.qualifiedName(fixture.schema, "subjects"))"
        let subjectsBefore = try fixture.db.query(subjects).scalar
        try fixture.commitFlink([0: ends[0]!])
        try fixture.writeCutoverReport(verdict: "pass")
        let done = try fixture.cleanup(fixture.request())
        #expect(done.result == .dropped)
        #expect(done.tables.first { $0.name == "kafka_offsets" }?.rows == 2)
        #expect(done.tables.first { $0.name == "event_ingest_dedupe" }?.rows == 400)
        #expect(done.snapshot?.rows == 402)
        #expect(try !fixture.exists("event_ingest_dedupe") && !fixture.exists("kafka_offsets"))
        // The nine tables are untouched.
        #expect(try fixture.db.query(subjects).scalar == subjectsBefore)
        #expect(subjectsBefore != "0")
    }
}
