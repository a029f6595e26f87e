import Foundation
import Kafka
import TestSupport
import Testing

@Suite("Cluster questions answered by KafkaAdmin against noida-db", .tags(.integration))
struct KafkaAdminTests {
    let configuration: KafkaConfiguration
    let admin: KafkaAdmin

    init() throws {
        configuration = try Fixtures.configuration()
        admin = try KafkaAdmin(configuration: configuration)
    }

    @Test("a created topic lists its partitions and exists; a missing one is reported as not found")
    func topics() throws {
        let topic = try Fixtures.freshTopic("adm_topics", partitions: 5, admin: admin)
        #expect(try admin.partitions(topic: topic) == [0, 1, 2, 3, 4])
        #expect(try admin.topicExists(topic))

        // Creating it again with the same partition count is fine; with another count it is not.
        try admin.createTopic(topic, partitions: 5, config: ["retention.ms": "-1"])
        let mismatch = try #require(throws: KafkaError.self) { try admin.createTopic(topic, partitions: 2) }
        #expect(mismatch.code.kind == .partitionCountMismatch)
        #expect(mismatch.description.contains("5 partitions"), "\(mismatch)")

        try admin.deleteTopic(topic)
        #expect(try !admin.topicExists(topic))
        try admin.deleteTopic(topic)  // already gone: not an error

        let missing = TestEnvironment.uniqueName("adm_missing")
        #expect(try !admin.topicExists(missing))
        let error = try #require(throws: KafkaError.self) { _ = try admin.partitions(topic: missing) }
        #expect(error.code.kind == .topicNotFound)
        #expect(error.description.hasPrefix("Kafka could not list the partitions of \(missing): "), "\(error)")
        // Asking did not create it.
        #expect(try !admin.topicExists(missing))
    }

    @Test("watermarks bound what was produced, and an empty partition is [0, 0)")
    func watermarks() throws {
        let topic = try Fixtures.freshTopic("adm_wm", partitions: 3, admin: admin)
        defer { try? admin.deleteTopic(topic) }
        let producer = try KafkaProducer(configuration: configuration)
        try Fixtures.produceSamples(topic: topic, partitions: [0, 1], count: 25, producer: producer)
        #expect(try admin.watermarks(topic: topic, partition: 0) == Watermarks(low: 0, high: 25))
        #expect(try admin.watermarks(topic: topic, partition: 1).range(partition: 1) == OffsetRange(partition: 1, start: 0, end: 25))
        #expect(try admin.watermarks(topic: topic, partition: 2) == Watermarks(low: 0, high: 0))
    }

    @Test("offsets for a timestamp: before all is the first, in the middle is exact, past the end is the high watermark")
    func offsetsForTimes() throws {
        let topic = try Fixtures.freshTopic("adm_times", partitions: 2, admin: admin)
        defer { try? admin.deleteTopic(topic) }
        let producer = try KafkaProducer(configuration: configuration)
        try Fixtures.produceSamples(topic: topic, partitions: [0, 1], count: 40, producer: producer)
        let base = Fixtures.baseTimestamp  // record i has base + i minutes

        #expect(try admin.offsets(forTimestamp: base - 86_400_000, topic: topic, partitions: [0, 1]) == [0: 0, 1: 0])
        #expect(try admin.offsets(forTimestamp: base + 17 * 60_000, topic: topic, partitions: [0, 1]) == [0: 17, 1: 17])
        // Between two records: the first one at or after the time.
        #expect(try admin.offsets(forTimestamp: base + 17 * 60_000 + 1, topic: topic, partitions: [0]) == [0: 18])
        #expect(try admin.offsets(forTimestamp: base + 1_000 * 60_000, topic: topic, partitions: [0, 1]) == [0: 40, 1: 40])
    }

    @Test("committed offsets of a group read back what was committed; unknown groups and partitions give nil")
    func committed() throws {
        let topic = try Fixtures.freshTopic("adm_commit", partitions: 3, admin: admin)
        defer { try? admin.deleteTopic(topic) }
        let producer = try KafkaProducer(configuration: configuration)
        try Fixtures.produceSamples(topic: topic, partitions: [0, 1, 2], count: 30, producer: producer)
        let group = TestEnvironment.uniqueName("grp")

        #expect(try admin.committedOffsets(group: group, topic: topic, partitions: [0, 1, 2]) == [0: nil, 1: nil, 2: nil])
        try admin.commitOffsets(group: group, topic: topic, offsets: [0: 12, 2: 30])
        #expect(try admin.committedOffsets(group: group, topic: topic, partitions: [0, 1, 2]) == [0: 12, 1: nil, 2: 30])
        try admin.commitOffsets(group: group, topic: topic, offsets: [0: 20])
        #expect(try admin.committedOffsets(group: group, topic: topic, partitions: [0]) == [0: 20])

        let unknown = TestEnvironment.uniqueName("grp_unknown")
        #expect(try admin.committedOffsets(group: unknown, topic: topic, partitions: [0, 1]) == [0: nil, 1: nil])
    }
}
