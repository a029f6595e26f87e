@testable import Backfill
import Foundation
import Kafka
import Testing
import TestSupport

@Suite("Reading one batch ahead", .tags(.integration))
struct ReadAheadTests {
    let configuration: KafkaConfiguration
    let admin: KafkaAdmin

    init() throws {
        configuration = KafkaConfiguration(brokers: try TestEnvironment.kafkaBrokers())
        admin = try KafkaAdmin(configuration: configuration)
    }

    private func topic(records: Int) throws -> String {
        let topic = TestEnvironment.uniqueName("readahead")
        try admin.createTopic(topic, partitions: 2, config: ["retention.ms": "-1"])
        let producer = try KafkaProducer(configuration: configuration)
        for index in 0..<records {
            for partition: Int32 in [0, 1] {
                try producer.send(topic: topic, partition: partition, key: nil, value: Array("\(partition)-\(index)".utf8))
            }
        }
        try producer.flush(timeout: .seconds(30))
        return topic
    }

    @Test("delivers every record of every range once, in offset order, in batches of at most the batch size")
    func deliversEverything() throws {
        let topic = try topic(records: 300)
        defer { try? admin.deleteTopic(topic) }
        let reader = try RangeReader(configuration: configuration)
        var seen: [Int32: [Int64]] = [:]
        try ReadAhead.read(reader, topic: topic, ranges: [OffsetRange(partition: 0, start: 0, end: 300), OffsetRange(partition: 1, start: 10, end: 250)],
                           batchSize: 25, partitionsAtOnce: 1) { batch in
            #expect(batch.count <= 25)
            for record in batch {
                seen[record.partition, default: []].append(record.offset)
                #expect(record.value == Array("\(record.partition)-\(record.offset)".utf8))
            }
            Thread.sleep(forTimeInterval: 0.002)  // a slow writer: the reader runs ahead meanwhile
        }
        #expect(seen[0] == Array(0..<300))
        #expect(seen[1] == Array(10..<250))
    }

    @Test("an error of the caller stops the reading thread and comes back as is; the reader can read again")
    func callerErrorStopsReading() throws {
        let topic = try topic(records: 200)
        defer { try? admin.deleteTopic(topic) }
        let reader = try RangeReader(configuration: configuration)
        let ranges = [OffsetRange(partition: 0, start: 0, end: 200), OffsetRange(partition: 1, start: 0, end: 200)]
        struct Enough: Error {}
        var calls = 0
        #expect(throws: Enough.self) {
            try ReadAhead.read(reader, topic: topic, ranges: ranges, batchSize: 10, partitionsAtOnce: 2) { _ in
                calls += 1
                if calls == 2 { throw Enough() }
            }
        }
        #expect(calls == 2)
        var count = 0
        try ReadAhead.read(reader, topic: topic, ranges: ranges, batchSize: 10, partitionsAtOnce: 2) { count += $0.count }
        #expect(count == 400)
    }

    @Test("an error of the reader (a range past the end of its partition) comes back to the caller")
    func readerErrorComesBack() throws {
        let topic = try topic(records: 10)
        defer { try? admin.deleteTopic(topic) }
        let reader = try RangeReader(configuration: configuration)
        let error = try #require(throws: KafkaError.self) {
            try ReadAhead.read(reader, topic: topic, ranges: [OffsetRange(partition: 0, start: 20, end: 30)], batchSize: 10, partitionsAtOnce: 1) { _ in }
        }
        #expect(error.code.kind == .offsetOutOfRange)
    }
}
