import Foundation
import Kafka
import TestSupport
import Testing

@Suite("Read throughput against noida-db", .tags(.integration))
struct ThroughputTests {
    /// KAFKA_THROUGHPUT_RECORDS (default 200 000) records of ~300 bytes over 4 partitions. The bound
    /// is deliberately loose (the machine is shared); the measured rate is printed.
    @Test("reading a few hundred thousand 300-byte records runs at well over 50 000 records per second")
    func readThroughput() throws {
        let total = Int(ProcessInfo.processInfo.environment["KAFKA_THROUGHPUT_RECORDS"] ?? "") ?? 200_000
        let configuration = try Fixtures.configuration()
        let admin = try KafkaAdmin(configuration: configuration)
        let topic = try Fixtures.freshTopic("rr_throughput", partitions: 4, admin: admin)
        defer { try? admin.deleteTopic(topic, timeout: .seconds(60)) }

        let producer = try KafkaProducer(configuration: configuration, extra: ["compression.type": "zstd"])
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 260)
        let produceStart = ContinuousClock.now
        for index in 0..<total {
            var value = payload
            withUnsafeBytes(of: index) { value.replaceSubrange(0..<8, with: $0) }
            try producer.send(
                topic: topic, partition: Int32(index % 4), key: Array("key-\(index)".utf8), value: value,
                headers: [KafkaHeader(name: "event-type", string: "bench")], timestamp: Fixtures.baseTimestamp + Int64(index))
        }
        try producer.flush(timeout: .seconds(120))
        let produceTime = ContinuousClock.now - produceStart

        var ranges: [OffsetRange] = []
        for partition in Int32(0)..<4 {
            ranges.append(try admin.watermarks(topic: topic, partition: partition).range(partition: partition))
        }
        #expect(ranges.map(\.count).reduce(0, +) == Int64(total))

        let reader = try RangeReader(configuration: configuration)
        var count = 0
        var bytes = 0
        let readStart = ContinuousClock.now
        try reader.read(topic: topic, ranges: ranges) { batch in
            count += batch.count
            for record in batch { bytes += (record.value?.count ?? 0) + (record.key?.count ?? 0) }
        }
        let readTime = ContinuousClock.now - readStart
        let seconds = Double(readTime.components.seconds) + Double(readTime.components.attoseconds) / 1e18
        let rate = Double(count) / seconds
        print("throughput: produced \(total) in \(produceTime), read \(count) records (\(bytes / 1_000_000) MB) in \(readTime) = \(Int(rate)) records/s")
        #expect(count == total)
        #expect(rate > 50_000)
    }
}
