import Foundation
import Kafka
import Lifestream
import Testing
import TestSupport

@Suite("Backfill memory", .tags(.integration))
struct MemoryTests {
    /// Peak memory of `backfill run` over a window three times larger may grow by this much at most.
    /// Holding the window (records, decoded events or rows) would cost far more: the 120k records
    /// the larger window adds are ~38 MB as bytes, several times that as Swift values.
    /// Both windows are large enough to fill every fixed-size buffer (fetch queues, ingest and
    /// materialize batches): below ~30k events those still grow with the window, up to their caps.
    /// Measured with the load average at ~13: 60k events peaked at 75 MiB, 180k at 77 MiB.
    static let allowedGrowth = 16 << 20

    /// On librdkafka's mock cluster, which keeps to the fetch limits the reader asks for. (noida
    /// answers a fetch with up to ~100 MB whatever the limits say, so there the client's memory
    /// follows the broker's response size — bounded by it, but not by anything the tool controls.)
    @Test("the peak memory of a run does not grow with its window")
    func boundedMemory() throws {
        let mock = try MockCluster(brokers: 1)
        let small = try Harness(prefix: "memsmall", kafka: mock.configuration, createTopic: false)
        let large = try Harness(prefix: "memlarge", kafka: mock.configuration, createTopic: false)
        defer { small.dropSchemas(); large.dropSchemas() }
        try mock.createTopic(small.topic, partitions: 16)
        try mock.createTopic(large.topic, partitions: 16)
        // Spread over 16 partitions: the mock keeps only 5 MiB of each (180k events put ~3.5 MB on each).
        for (harness, events) in [(small, 60_000), (large, 180_000)] {
            var options = GeneratorOptions.damaged(events: events, subjects: events / 10, seed: 71)
            options.partitions = 16
            try harness.produce(Array(EventGenerator(options: options)))
        }

        var peaks: [Int] = []
        for harness in [small, large] {
            let outcome = try CLIProcess.run(
                ["run", "--from-beginning", "--topic", harness.topic, "--target-schema", harness.target,
                 "--manifest-dir", harness.manifestDirectory, "--batch-size", "2000", "--quiet"],
                environment: ["DATABASE_URL": harness.postgres.url, "KAFKA_BROKERS": harness.kafka.brokers])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            peaks.append(outcome.peakMemory)
        }
        #expect(try large.scalar("select read from \(large.stateSchema).runs") == String(large.produced.count))
        print("backfill memory: 60k events peaked at \(peaks[0] >> 20) MiB, 180k at \(peaks[1] >> 20) MiB")
        #expect(peaks[1] - peaks[0] < Self.allowedGrowth,
                "60k events peaked at \(peaks[0] >> 20) MiB, 180k at \(peaks[1] >> 20) MiB")
    }
}
