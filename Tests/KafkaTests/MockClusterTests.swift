import Foundation
import Kafka
import TestSupport
import Testing

/// Fault injection with librdkafka's mock cluster: things a real local broker cannot do on demand.
@Suite("Reading through faults on librdkafka's mock cluster", .tags(.integration))
struct MockClusterTests {
    /// Reader settings that fetch in small steps (with a round-trip time set on the broker), so a
    /// fault injected after the first batch hits a read that still has most of its data to fetch;
    /// by default it would all be prefetched already.
    static func slowReaderConfiguration(_ cluster: MockCluster) -> KafkaConfiguration {
        var configuration = cluster.configuration
        configuration.extra = [
            "fetch.max.bytes": "20000", "message.max.bytes": "10000", "max.partition.fetch.bytes": "8000",
            "reconnect.backoff.max.ms": "500", "log_level": "2",
        ]
        return configuration
    }

    static func produce(_ cluster: MockCluster, topic: String, partitions: [Int32], count: Int) throws {
        var configuration = cluster.configuration
        configuration.extra["log_level"] = "2"
        let producer = try KafkaProducer(configuration: configuration, extra: ["compression.type": "zstd"])
        try Fixtures.produceSamples(topic: topic, partitions: partitions, count: count, producer: producer)
    }

    static func offsets(_ records: [KafkaRecord]) -> [Int32: [Int64]] {
        Dictionary(grouping: records, by: \.partition).mapValues { $0.map(\.offset) }
    }

    @Test("a topic created on the mock round-trips every field")
    func roundTrip() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("mock.roundtrip", partitions: 2)
        try Self.produce(cluster, topic: "mock.roundtrip", partitions: [0, 1], count: 500)
        let admin = try KafkaAdmin(configuration: cluster.configuration)
        #expect(try admin.partitions(topic: "mock.roundtrip") == [0, 1])
        #expect(try admin.watermarks(topic: "mock.roundtrip", partition: 1) == Watermarks(low: 0, high: 500))

        let reader = try RangeReader(configuration: cluster.configuration)
        let records = try Fixtures.readAll(reader, topic: "mock.roundtrip", ranges: [
            OffsetRange(partition: 0, start: 100, end: 500), OffsetRange(partition: 1, start: 0, end: 250),
        ])
        #expect(Self.offsets(records) == [0: Array(100..<500), 1: Array(0..<250)])
        #expect(records.allSatisfy { Fixtures.Sample(partition: $0.partition, index: Int($0.offset)).matches($0) })
    }

    @Test("a broker down for two seconds mid-read: the read completes with every record exactly once")
    func brokerDownMidRead() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("mock.outage", partitions: 3)
        try Self.produce(cluster, topic: "mock.outage", partitions: [0, 1, 2], count: 3_000)
        try cluster.setRoundTripTime(broker: 1, milliseconds: 20)

        let reader = try RangeReader(configuration: Self.slowReaderConfiguration(cluster))
        var records: [KafkaRecord] = []
        var outageStarted: ContinuousClock.Instant?
        let started = ContinuousClock.now
        try reader.read(
            topic: "mock.outage", ranges: (0..<3).map { OffsetRange(partition: Int32($0), start: 0, end: 3_000) },
            batchSize: 500, stallTimeout: .seconds(20)
        ) { batch in
            records.append(contentsOf: batch)
            if outageStarted == nil {
                outageStarted = .now
                try cluster.setBrokerDown(1)
                Thread.detachNewThread {
                    Thread.sleep(forTimeInterval: 2)
                    try? cluster.setBrokerUp(1)
                }
            }
        }
        let elapsed = ContinuousClock.now - started
        #expect(outageStarted != nil)
        #expect(records.count == 9_000)
        #expect(Self.offsets(records) == [0: Array(0..<3_000), 1: Array(0..<3_000), 2: Array(0..<3_000)])
        // The outage really interrupted the read (it was not all prefetched before it began).
        #expect(elapsed >= .seconds(2), "read took \(elapsed)")
    }

    @Test("a partition whose leader stays down longer than the stall timeout ends the read with a clear error")
    func stalledPartition() throws {
        let cluster = try MockCluster(brokers: 2)
        try cluster.createTopic("mock.stall", partitions: 2)
        try cluster.setPartitionLeader(topic: "mock.stall", partition: 0, broker: 1)
        try cluster.setPartitionLeader(topic: "mock.stall", partition: 1, broker: 2)
        try Self.produce(cluster, topic: "mock.stall", partitions: [0, 1], count: 200)
        try cluster.setBrokerDown(2)

        let reader = try RangeReader(configuration: Self.slowReaderConfiguration(cluster))
        var delivered: [Int32: Int] = [:]
        let started = ContinuousClock.now
        let error = try #require(throws: KafkaError.self) {
            try reader.read(
                topic: "mock.stall", ranges: [OffsetRange(partition: 0, start: 0, end: 200), OffsetRange(partition: 1, start: 0, end: 200)],
                stallTimeout: .seconds(3)
            ) { batch in
                for record in batch { delivered[record.partition, default: 0] += 1 }
            }
        }
        let elapsed = ContinuousClock.now - started
        print("stalled read: \(error)")
        #expect(error.code.kind == .stalled)
        #expect(error.description.hasPrefix("Kafka could not read partition 1 of mock.stall: no progress for 3 s at offset 0 of [0, 200)"), "\(error)")
        #expect(delivered[0] == 200 && delivered[1] == nil)
        #expect(elapsed >= .seconds(3) && elapsed < .seconds(15), "gave up after \(elapsed)")
        try cluster.setBrokerUp(2)
    }

    @Test("injected Fetch, Produce and Metadata errors are survived: all records, once each")
    func injectedErrors() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("mock.errors", partitions: 2)
        // Produce (0): retriable errors; the idempotent producer retries without duplicates.
        try cluster.pushRequestErrors(apiKey: 0, errors: [7, 19, 6])  // REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS, NOT_LEADER
        try Self.produce(cluster, topic: "mock.errors", partitions: [0, 1], count: 1_000)

        // Fetch (1) and Metadata (3): transient errors during the read.
        try cluster.pushRequestErrors(apiKey: 1, errors: [6, 7, 5, 6, 56])  // …, LEADER_NOT_AVAILABLE, KAFKA_STORAGE_ERROR
        try cluster.pushRequestErrors(apiKey: 3, errors: [7])
        try cluster.setRoundTripTime(broker: 1, milliseconds: 5)
        let reader = try RangeReader(configuration: Self.slowReaderConfiguration(cluster))
        let records = try Fixtures.readAll(reader, topic: "mock.errors", ranges: [
            OffsetRange(partition: 0, start: 0, end: 1_000), OffsetRange(partition: 1, start: 0, end: 1_000),
        ], batchSize: 128)
        #expect(Self.offsets(records) == [0: Array(0..<1_000), 1: Array(0..<1_000)])
        #expect(records.allSatisfy { Fixtures.Sample(partition: $0.partition, index: Int($0.offset)).matches($0) })
    }

    @Test("a produce the broker refuses for good is reported by flush with the count and first error")
    func deliveryFailure() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("mock.refused", partitions: 1)
        var configuration = cluster.configuration
        configuration.extra["log_level"] = "2"
        let producer = try KafkaProducer(configuration: configuration)
        try cluster.pushRequestErrors(apiKey: 0, errors: Array(repeating: 29, count: 50))  // TOPIC_AUTHORIZATION_FAILED
        for index in 0..<3 {
            try producer.send(topic: "mock.refused", partition: 0, key: nil, value: Array("v\(index)".utf8))
        }
        let error = try #require(throws: KafkaError.self) { try producer.flush(timeout: .seconds(10)) }
        print("refused produce: \(error)")
        #expect(error.code.kind == .deliveryFailed)
        #expect(error.code.rdKafkaError == 29)
        #expect(error.description.contains("partition 0 of mock.refused"), "\(error)")
        // Reported once: after the refusals stop, the next flush has nothing to complain about.
        // (librdkafka keeps refusing the topic that failed authorization, so use another one.)
        cluster.clearRequestErrors(apiKey: 0)
        try cluster.createTopic("mock.accepted", partitions: 1)
        try producer.send(topic: "mock.accepted", partition: 0, key: nil, value: Array("later".utf8))
        try producer.flush(timeout: .seconds(10))
    }
}
