import Foundation
import Kafka
import TestSupport

/// Shared set-up for the tests against the local noida-db broker: a configuration, a fresh topic
/// that keeps records with old timestamps (retention.ms=-1), and deterministic sample records.
enum Fixtures {
    static func configuration() throws -> KafkaConfiguration {
        KafkaConfiguration(brokers: try TestEnvironment.kafkaBrokers())
    }

    /// Creates a uniquely named topic on noida-db; records carry old timestamps, so no retention.
    static func freshTopic(_ prefix: String, partitions: Int32, admin: KafkaAdmin) throws -> String {
        let topic = TestEnvironment.uniqueName(prefix)
        try admin.createTopic(topic, partitions: partitions, config: ["retention.ms": "-1"])
        return topic
    }

    /// 2020-01-01T00:00:00Z: far enough back that default retention would have deleted it.
    static let baseTimestamp: Int64 = 1_577_836_800_000

    /// What the tests produce: the i-th record of a partition, with every field set in a way that
    /// varies (null key every 7th, a null-valued header every 5th, empty value every 11th).
    struct Sample: Equatable {
        var partition: Int32
        var key: [UInt8]?
        var value: [UInt8]?
        var headers: [KafkaHeader]
        var timestamp: Int64

        init(partition: Int32, index: Int) {
            self.partition = partition
            key = index % 7 == 3 ? nil : Array("key-\(partition)-\(index)".utf8)
            value = index % 11 == 5 ? [] : Array("{\"p\":\(partition),\"i\":\(index),\"pad\":\"\(String(repeating: "x", count: index % 50))\"}".utf8)
            var headers = [KafkaHeader(name: "event-type", string: "sample.v\(index % 3)")]
            if index % 5 == 0 { headers.append(KafkaHeader(name: "trace", value: nil)) }
            if index % 4 == 1 { headers.append(KafkaHeader(name: "bin", value: [0, 255, UInt8(index % 256)])) }
            self.headers = headers
            timestamp = Fixtures.baseTimestamp + Int64(index) * 60_000  // one a minute
        }

        func matches(_ record: KafkaRecord) -> Bool {
            record.partition == partition && record.key == key && record.value == value
                && record.headers == headers && record.timestamp == timestamp
        }
    }

    /// Produces `count` samples into each partition (explicitly partitioned) and flushes.
    static func produceSamples(
        topic: String, partitions: [Int32], count: Int, producer: KafkaProducer
    ) throws {
        for index in 0..<count {
            for partition in partitions {
                let sample = Sample(partition: partition, index: index)
                try producer.send(
                    topic: topic, partition: partition, key: sample.key, value: sample.value,
                    headers: sample.headers, timestamp: sample.timestamp)
            }
        }
        try producer.flush(timeout: .seconds(30))
    }

    /// Reads ranges and collects all records, checking the per-partition offset order as it goes.
    static func readAll(
        _ reader: RangeReader, topic: String, ranges: [OffsetRange], batchSize: Int = 10_000,
        stallTimeout: Duration = .seconds(20)
    ) throws -> [KafkaRecord] {
        var records: [KafkaRecord] = []
        try reader.read(topic: topic, ranges: ranges, batchSize: batchSize, stallTimeout: stallTimeout) { batch in
            precondition(batch.count <= batchSize)
            records.append(contentsOf: batch)
        }
        return records
    }
}
