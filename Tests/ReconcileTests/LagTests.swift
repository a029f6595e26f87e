import Foundation
import Kafka
import TestSupport
import Testing
@testable import Reconcile

@Suite("Consumer lag: committed offsets against the high watermark, and which group is ahead", .tags(.integration))
struct LagTests {
    @Test("lag is high watermark minus committed; the group further along is ahead per partition and overall")
    func arithmetic() {
        let report = LagReport.compute(
            topic: "t", groups: ["old", "new"],
            watermarks: [0: (0, 100), 1: (10, 50), 2: (0, 0)],
            committed: ["old": [0: 40, 1: 50, 2: nil], "new": [0: 90, 1: 50, 2: nil]],
            generatedAt: Date(timeIntervalSince1970: 1_000.7))
        #expect(report.partitions.map(\.partition) == [0, 1, 2])
        #expect(report.partitions[0].position("old")?.lag == 60)
        #expect(report.partitions[0].position("new")?.lag == 10)
        #expect(report.partitions[0].ahead == "new")
        #expect(report.partitions[1].ahead == nil)  // both at 50: level
        #expect(report.partitions[2].ahead == nil)  // nothing committed by anyone
        #expect(report.group("old")?.committedLag == 60)
        #expect(report.group("new")?.committedLag == 10)
        #expect(report.group("new")?.partitionsWithoutCommit == [2])
        #expect(report.group("new")?.partitionsAhead == 1)
        #expect(report.ahead == "new")
        #expect(report.generatedAt == Date(timeIntervalSince1970: 1_000))
    }

    @Test("a group with no committed offsets is shown as such, counts its whole log, and is never ahead")
    func groupWithoutOffsets() {
        let report = LagReport.compute(
            topic: "t", groups: ["active", "absent"], watermarks: [0: (5, 20), 1: (0, 7)],
            committed: ["active": [0: 5, 1: 0]], generatedAt: Date())
        let absent = report.group("absent")!
        #expect(!absent.hasCommittedOffsets)
        #expect(absent.partitionsWithoutCommit == [0, 1])
        #expect(absent.effectiveLag == 15 + 7)
        #expect(report.partitions.allSatisfy { $0.ahead == "active" })
        #expect(report.ahead == "active")
        #expect(LagText.summary(absent).contains("no committed offsets"))
        #expect(LagText.render(report).contains("none"))
    }

    @Test("a committed offset past the end (a recreated topic) gives lag 0, not a negative number")
    func committedPastTheEnd() {
        let report = LagReport.compute(topic: "t", groups: ["g"], watermarks: [0: (0, 3)], committed: ["g": [0: 10]], generatedAt: Date())
        #expect(report.partitions[0].groups[0].lag == 0)
    }

    @Test("lag read from noida matches the offsets committed for two groups")
    func fromBroker() throws {
        let configuration = try KafkaConfiguration(brokers: TestEnvironment.kafkaBrokers())
        let admin = try KafkaAdmin(configuration: configuration)
        let topic = TestEnvironment.uniqueName("lag") + ".raw"
        try admin.createTopic(topic, partitions: 3, config: ["retention.ms": "-1"])
        defer { try? admin.deleteTopic(topic) }
        let producer = try KafkaProducer(configuration: configuration)
        for partition: Int32 in 0..<3 {
            for index in 0..<(10 * Int(partition + 1)) {
                try producer.send(topic: topic, partition: partition, key: Array("k\(index)".utf8), value: Array("v".utf8), timestamp: nil)
            }
        }
        try producer.flush()
        let old = TestEnvironment.uniqueName("materializer")
        let flink = TestEnvironment.uniqueName("flink")
        let quiet = TestEnvironment.uniqueName("never")
        try admin.commitOffsets(group: old, topic: topic, offsets: [0: 10, 1: 5, 2: 30])
        try admin.commitOffsets(group: flink, topic: topic, offsets: [0: 10, 1: 20])

        let report = try LagReader.read(admin: admin, topic: topic, groups: [old, flink, quiet])
        #expect(report.partitions.map(\.highWatermark) == [10, 20, 30])
        #expect(report.partitions.map { $0.position(old)?.lag } == [0, 15, 0])
        #expect(report.partitions.map { $0.position(flink)?.lag } == [0, 0, nil])
        #expect(report.partitions.map(\.ahead) == [nil, flink, old])
        #expect(report.group(old)?.committedLag == 15)
        #expect(report.group(flink)?.effectiveLag == 30)  // partition 2 never committed: its whole log
        #expect(report.ahead == old)
        #expect(report.group(quiet)?.hasCommittedOffsets == false)

        let json = String(decoding: try JSONReport.encoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"high_watermark\" : 30"))
        #expect(json.contains("\"has_committed_offsets\" : false"))
    }
}
