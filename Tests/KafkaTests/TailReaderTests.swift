import Foundation
import Kafka
import TestSupport
import Testing

@Suite("Tail reader", .tags(.integration))
struct TailReaderTests {
    let configuration: KafkaConfiguration
    let admin: KafkaAdmin

    init() throws {
        configuration = try Fixtures.configuration()
        admin = try KafkaAdmin(configuration: configuration)
    }

    /// Everything `reader` hands out within `seconds`, until `count` records have come.
    static func read(_ reader: TailReader, count: Int, within seconds: Double) throws -> [KafkaRecord] {
        var records: [KafkaRecord] = []
        let deadline = Date().addingTimeInterval(seconds)
        while records.count < count, Date() < deadline {
            records += try reader.poll(maxRecords: 1_000, maxWait: .milliseconds(200), linger: .milliseconds(20))
        }
        return records
    }

    @Test("partitions read to their end rest, and what is produced while they rest comes once each, in offset order")
    func restedPartitionsWakeUp() throws {
        let topic = try Fixtures.freshTopic("tail_rest", partitions: 3, admin: admin)
        defer { try? admin.deleteTopic(topic) }
        let producer = try KafkaProducer(configuration: configuration)
        let reader = try TailReader(configuration: configuration, topic: topic, start: [0: 0, 1: 0, 2: 0])
        for round in 0..<3 {
            try Fixtures.produceSamples(topic: topic, partitions: [0, 1], count: 20, producer: producer)
            let records = try Self.read(reader, count: 40, within: 20)
            #expect(records.count == 40, "round \(round)")
            for partition: Int32 in [0, 1] {
                let offsets = records.filter { $0.partition == partition }.map(\.offset)
                #expect(offsets == Array(Int64(round * 20)..<Int64(round * 20 + 20)), "round \(round), partition \(partition)")
            }
            // Long enough for every partition to be read to its end and rest (several probe intervals).
            let idle = try reader.poll(maxRecords: 1_000, maxWait: TailReader.idleFetchInterval * 5, linger: .zero)
            #expect(idle.isEmpty)
            #expect(reader.restingPartitions == [0, 1, 2], "round \(round): the partitions read to their end did not rest")
        }
        #expect(reader.positions == [0: 60, 1: 60, 2: 0])
    }

    @Test("a stop wakes a poll at once, also while every partition rests")
    func wakeEndsAWait() throws {
        let topic = try Fixtures.freshTopic("tail_wake", partitions: 2, admin: admin)
        defer { try? admin.deleteTopic(topic) }
        let reader = try TailReader(configuration: configuration, topic: topic, start: [0: 0, 1: 0])
        _ = try reader.poll(maxRecords: 10, maxWait: .milliseconds(500), linger: .zero)  // reach the ends; rest
        let waker = Thread { Thread.sleep(forTimeInterval: 0.3); reader.wake() }
        let started = Date()
        waker.start()
        let records = try reader.poll(maxRecords: 10, maxWait: .seconds(20), linger: .zero)
        #expect(records.isEmpty)
        #expect(Date().timeIntervalSince(started) < 10, "the poll waited out its 20 s instead of ending at the wake")
    }
}
