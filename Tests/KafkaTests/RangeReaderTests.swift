import Foundation
import Kafka
import TestSupport
import Testing

@Suite("Reading exact offset ranges from noida-db", .tags(.integration))
struct RangeReaderTests {
    @Test("records produced with keys, headers, old timestamps and zstd come back field for field")
    func roundTrip() throws {
        let configuration = try Fixtures.configuration()
        let admin = try KafkaAdmin(configuration: configuration)
        let topic = try Fixtures.freshTopic("rr_roundtrip", partitions: 3, admin: admin)
        defer { try? admin.deleteTopic(topic) }
        let producer = try KafkaProducer(configuration: configuration, extra: ["compression.type": "zstd"])
        try Fixtures.produceSamples(topic: topic, partitions: [0, 1, 2], count: 100, producer: producer)

        let reader = try RangeReader(configuration: configuration)
        let ranges = (0..<3).map { OffsetRange(partition: Int32($0), start: 0, end: 100) }
        let records = try Fixtures.readAll(reader, topic: topic, ranges: ranges, batchSize: 37)
        #expect(records.count == 300)
        for partition in Int32(0)..<3 {
            let mine = records.filter { $0.partition == partition }
            #expect(mine.map(\.offset) == Array(0..<100))
            for record in mine {
                let expected = Fixtures.Sample(partition: partition, index: Int(record.offset))
                #expect(expected.matches(record), "partition \(partition) offset \(record.offset): \(record)")
                #expect(record.topic == topic)
            }
        }
    }
}

@Suite("Reading edge cases from noida-db", .tags(.integration))
struct RangeReaderEdgeTests {
    let configuration: KafkaConfiguration
    let admin: KafkaAdmin

    init() throws {
        configuration = try Fixtures.configuration()
        admin = try KafkaAdmin(configuration: configuration)
    }

    @Test("middle slices read exactly their offsets and empty ranges are skipped")
    func slices() throws {
        let topic = try Fixtures.freshTopic("rr_slices", partitions: 4, admin: admin)
        defer { try? admin.deleteTopic(topic) }
        let producer = try KafkaProducer(configuration: configuration)
        try Fixtures.produceSamples(topic: topic, partitions: [0, 1, 2, 3], count: 50, producer: producer)

        let reader = try RangeReader(configuration: configuration)
        let ranges = [
            OffsetRange(partition: 0, start: 10, end: 20),
            OffsetRange(partition: 1, start: 7, end: 7),    // empty
            OffsetRange(partition: 2, start: 49, end: 50),  // the very last record
            OffsetRange(partition: 3, start: 30, end: 12),  // start > end: nothing
        ]
        #expect(ranges[1].isEmpty && ranges[3].isEmpty && ranges[3].count == 0)
        let records = try Fixtures.readAll(reader, topic: topic, ranges: ranges)
        #expect(records.filter { $0.partition == 0 }.map(\.offset) == Array(10..<20))
        #expect(records.filter { $0.partition == 2 }.map(\.offset) == [49])
        #expect(records.count == 11)
        for record in records {
            #expect(Fixtures.Sample(partition: record.partition, index: Int(record.offset)).matches(record))
        }

        // Only empty ranges: returns at once without touching the broker.
        #expect(try Fixtures.readAll(reader, topic: topic, ranges: [ranges[1], ranges[3]]).isEmpty)
    }

    @Test("reading one or two partitions at a time still delivers every range exactly, each in offset order",
          arguments: [1, 2])
    func partitionsTakeTurns(partitionsAtOnce: Int) throws {
        let topic = try Fixtures.freshTopic("rr_turns", partitions: 5, admin: admin)
        defer { try? admin.deleteTopic(topic) }
        let producer = try KafkaProducer(configuration: configuration)
        try Fixtures.produceSamples(topic: topic, partitions: [0, 1, 2, 3, 4], count: 40, producer: producer)

        let reader = try RangeReader(configuration: configuration)
        let ranges = (0..<5).map { OffsetRange(partition: Int32($0), start: Int64($0), end: 40) }
        var records: [KafkaRecord] = []
        try reader.read(topic: topic, ranges: ranges, batchSize: 16, partitionsAtOnce: partitionsAtOnce) { records += $0 }
        for partition in 0..<5 {
            #expect(records.filter { $0.partition == Int32(partition) }.map(\.offset) == Array(Int64(partition)..<40))
        }
        #expect(records.count == ranges.reduce(0) { $0 + Int($1.count) })
    }

    @Test("batches never exceed the batch size, a throwing callback aborts, and the reader can read again")
    func batchesAndAbort() throws {
        let topic = try Fixtures.freshTopic("rr_batches", partitions: 2, admin: admin)
        defer { try? admin.deleteTopic(topic) }
        let producer = try KafkaProducer(configuration: configuration, extra: ["compression.type": "lz4"])
        try Fixtures.produceSamples(topic: topic, partitions: [0, 1], count: 100, producer: producer)
        let reader = try RangeReader(configuration: configuration)
        let ranges = [OffsetRange(partition: 0, start: 0, end: 100), OffsetRange(partition: 1, start: 0, end: 100)]

        struct Enough: Error {}
        var calls = 0
        #expect(throws: Enough.self) {
            try reader.read(topic: topic, ranges: ranges, batchSize: 7) { batch in
                #expect(batch.count <= 7)
                calls += 1
                if calls == 2 { throw Enough() }
            }
        }
        #expect(calls == 2)

        var sizes: [Int] = []
        var seen: [Int32: [Int64]] = [:]
        try reader.read(topic: topic, ranges: ranges, batchSize: 7) { batch in
            sizes.append(batch.count)
            for record in batch { seen[record.partition, default: []].append(record.offset) }
        }
        #expect(sizes.allSatisfy { $0 >= 1 && $0 <= 7 })
        #expect(seen[0] == Array(0..<100) && seen[1] == Array(0..<100))
    }

    @Test("a range that starts past the end of the partition fails as out of range")
    func startPastEnd() throws {
        let topic = try Fixtures.freshTopic("rr_pastend", partitions: 1, admin: admin)
        defer { try? admin.deleteTopic(topic) }
        let producer = try KafkaProducer(configuration: configuration)
        try Fixtures.produceSamples(topic: topic, partitions: [0], count: 10, producer: producer)
        let reader = try RangeReader(configuration: configuration)
        let error = try #require(throws: KafkaError.self) {
            _ = try Fixtures.readAll(reader, topic: topic, ranges: [OffsetRange(partition: 0, start: 20, end: 30)])
        }
        #expect(error.code.kind == .offsetOutOfRange)
        #expect(error.description.contains("partition 0 of \(topic)"))
        #expect(error.description.contains("past the end"), "\(error)")
    }

    @Test("a range that ends past the data stalls with a sentence naming the partition and where it ends")
    func endPastData() throws {
        let topic = try Fixtures.freshTopic("rr_stall", partitions: 2, admin: admin)
        defer { try? admin.deleteTopic(topic) }
        let producer = try KafkaProducer(configuration: configuration)
        try Fixtures.produceSamples(topic: topic, partitions: [0, 1], count: 10, producer: producer)
        let reader = try RangeReader(configuration: configuration)
        var delivered: [Int32: Int] = [:]
        let error = try #require(throws: KafkaError.self) {
            try reader.read(
                topic: topic,
                ranges: [OffsetRange(partition: 0, start: 0, end: 10), OffsetRange(partition: 1, start: 5, end: 15)],
                stallTimeout: .seconds(2)
            ) { batch in
                for record in batch { delivered[record.partition, default: 0] += 1 }
            }
        }
        #expect(error.code.kind == .stalled)
        #expect(error.description.contains("Kafka could not read partition 1 of \(topic)"), "\(error)")
        #expect(error.description.contains("at offset 10 of [5, 15)"), "\(error)")
        #expect(error.description.contains("the partition ends at offset 10"), "\(error)")
        #expect(delivered == [0: 10, 1: 5])
    }

    @Test("a missing topic or partition fails at once as not found")
    func missingTopic() throws {
        let reader = try RangeReader(configuration: configuration)
        let missing = try #require(throws: KafkaError.self) {
            _ = try Fixtures.readAll(reader, topic: "no_such_topic_\(UInt32.random(in: 0...UInt32.max))",
                                     ranges: [OffsetRange(partition: 0, start: 0, end: 1)])
        }
        #expect(missing.code.kind == .topicNotFound)

        let topic = try Fixtures.freshTopic("rr_nopart", partitions: 1, admin: admin)
        defer { try? admin.deleteTopic(topic) }
        let noPartition = try #require(throws: KafkaError.self) {
            _ = try Fixtures.readAll(reader, topic: topic, ranges: [OffsetRange(partition: 3, start: 0, end: 1)])
        }
        #expect(noPartition.code.kind == .topicNotFound)
        #expect(noPartition.description.contains("partition 3 of \(topic)"))
    }

    @Test("two ranges for one partition are refused rather than read twice")
    func overlapping() throws {
        let reader = try RangeReader(configuration: configuration)
        let error = try #require(throws: KafkaError.self) {
            _ = try Fixtures.readAll(reader, topic: "whatever", ranges: [
                OffsetRange(partition: 0, start: 0, end: 5), OffsetRange(partition: 0, start: 5, end: 9),
            ])
        }
        #expect(error.code.kind == .invalidArgument)
    }
}

@Suite("Reading records that retention deleted", .tags(.integration))
struct DeletedRecordsTests {
    @Test("a range whose records were deleted fails as out of range and says they were deleted")
    func deletedRecords() throws {
        let configuration = try Fixtures.configuration()
        let admin = try KafkaAdmin(configuration: configuration)
        let topic = try Fixtures.freshTopic("rr_deleted", partitions: 1, admin: admin)
        defer { try? admin.deleteTopic(topic) }
        let producer = try KafkaProducer(configuration: configuration)
        try Fixtures.produceSamples(topic: topic, partitions: [0], count: 30, producer: producer)
        try admin.deleteRecords(topic: topic, before: [0: 20])
        #expect(try admin.watermarks(topic: topic, partition: 0) == Watermarks(low: 20, high: 30))

        let reader = try RangeReader(configuration: configuration)
        let error = try #require(throws: KafkaError.self) {
            _ = try Fixtures.readAll(reader, topic: topic, ranges: [OffsetRange(partition: 0, start: 5, end: 30)])
        }
        print("deleted records: \(error)")
        #expect(error.code.kind == .offsetOutOfRange)
        #expect(error.description.contains("retention deleted the records before offset 20"), "\(error)")
        // What is still there reads fine.
        let rest = try Fixtures.readAll(reader, topic: topic, ranges: [OffsetRange(partition: 0, start: 20, end: 30)])
        #expect(rest.map(\.offset) == Array(20..<30))
    }
}
