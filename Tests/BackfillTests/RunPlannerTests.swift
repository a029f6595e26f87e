import Backfill
import Foundation
import Kafka
import Lifestream
import Store
import TestSupport
import Testing

@Suite("Run planning", .serialized, .tags(.integration))
struct RunPlannerTests {
    /// Partition 0 and 1 get records at 1000, 2000, … ms; partition 2 stays empty.
    func topicWithTimestamps() throws -> (Harness, RunPlanner) {
        let harness = try Harness(prefix: "plan", partitions: 3)
        var records: [GeneratedRecord] = []
        for i in 0..<10 {
            for partition in Int32(0)...1 {
                records.append(GeneratedRecord(partition: partition, key: nil, value: Array("{}".utf8),
                                               timestamp: Int64(i + 1) * 1000, quarantineReason: "not_an_object"))
            }
        }
        try harness.produce(records)
        return (harness, RunPlanner(admin: try KafkaAdmin(configuration: harness.kafka)))
    }

    @Test("--since and --until pick the offsets of the first records at or after each instant")
    func timeWindow() throws {
        let (harness, planner) = try topicWithTimestamps()
        defer { harness.dropSchemas() }
        let plan = try planner.plan(topic: harness.topic, bounds: RunBounds(start: .timestamp(3_000), end: .timestamp(7_500)))
        #expect(plan.ranges.map { [$0.partition, Int32($0.start), Int32($0.end)] } == [[0, 2, 7], [1, 2, 7], [2, 0, 0]])
        #expect(plan.notes[2] == "empty partition")
        #expect(plan.totalRecords == 10)
    }

    @Test("a start past the end gives empty ranges and says so")
    func pastTheEnd() throws {
        let (harness, planner) = try topicWithTimestamps()
        defer { harness.dropSchemas() }
        let plan = try planner.plan(topic: harness.topic, bounds: RunBounds(start: .timestamp(99_000), end: .latest))
        #expect(plan.totalRecords == 0)
        #expect(plan.ranges.allSatisfy { $0.start == $0.end })
        #expect(plan.notes[0] == "nothing new (start is at the end)")
    }

    @Test("--after starts at the manifest's ends and shows a partition the manifest did not know")
    func afterManifest() throws {
        let (harness, planner) = try topicWithTimestamps()
        defer { harness.dropSchemas() }
        var manifest = try harness.run(RunBounds(start: .timestamp(0), end: .timestamp(5_000)))
        #expect(manifest.ranges.map(\.end) == [4, 4, 0])
        manifest.ranges.removeLast()  // as if partition 2 had been added after that run
        let plan = try planner.plan(topic: harness.topic, bounds: RunBounds(start: .after(manifest, path: "m.json"), end: .latest))
        #expect(plan.ranges.map(\.start) == [4, 4, 0])
        #expect(plan.ranges.map(\.end) == [10, 10, 0])
        #expect(plan.notes[2]?.hasPrefix("new partition since run") == true)

        manifest.ranges.append(OffsetRange(partition: 7, start: 0, end: 1))
        #expect(throws: StoreError.self) {
            try planner.plan(topic: harness.topic, bounds: RunBounds(start: .after(manifest, path: "m.json"), end: .latest))
        }
    }

    @Test("a checkpoint above the high watermark (topic recreated or truncated) is an error naming the partition and both offsets")
    func checkpointPastTheEnd() throws {
        let (harness, planner) = try topicWithTimestamps()
        defer { harness.dropSchemas() }
        var manifest = try harness.run(RunBounds(start: .beginning, end: .latest))
        manifest.ranges[1].end = 25  // as if a run had read 25 records of a partition that now holds 10
        let error = #expect(throws: StoreError.self) {
            try planner.plan(topic: harness.topic, bounds: RunBounds(start: .after(manifest, path: "m.json"), end: .latest))
        }
        #expect(error?.code == .checkpointOutOfRange)
        #expect(error?.description.contains("partition 1 of \(harness.topic) should start at offset 25 (from m.json) but it ends at offset 10") == true,
                "\(String(describing: error))")

        manifest.ranges[1].end = 10
        manifest.ranges.append(OffsetRange(partition: 1, start: 0, end: 3))
        let twice = #expect(throws: StoreError.self) {
            try planner.plan(topic: harness.topic, bounds: RunBounds(start: .after(manifest, path: "m.json"), end: .latest))
        }
        #expect(twice?.description.contains("lists partition 1 twice") == true)
    }

    @Test("relative and absolute instants parse; nonsense is a clear error")
    func instants() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try InstantParser.parse("now", now: now) == 1_800_000_000_000)
        #expect(try InstantParser.parse("-24h", now: now) == 1_800_000_000_000 - 86_400_000)
        #expect(try InstantParser.parse("-90m", now: now) == 1_800_000_000_000 - 5_400_000)
        #expect(try InstantParser.parse("2026-01-01T00:00:00Z", now: now) == 1_767_225_600_000)
        #expect(throws: StoreError.self) { try InstantParser.parse("yesterday", now: now) }
    }

    @Test("a manifest round-trips through JSON with snake_case keys and no secrets")
    func manifestRoundTrip() throws {
        let harness = try Harness(prefix: "manifest")
        defer { harness.dropSchemas() }
        let manifest = try harness.run()
        let path = harness.manifestDirectory + "/latest.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\"run_id\"") && text.contains("\"rows_written\""))
        #expect(!text.contains("local-dev-secret") && !text.contains("postgresql://"))
        #expect(try RunManifest.load(path: path).runID == manifest.runID)
    }
}
