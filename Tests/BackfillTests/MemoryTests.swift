import Foundation
import Lifestream
import Testing
import TestSupport

@Suite("Backfill memory")
struct MemoryTests {
    /// Peak memory of `backfill run` over a window six times larger may grow by this much at most.
    /// Holding the window (records, decoded events or rows) would cost far more: the larger
    /// window's records alone are ~18 MB as bytes, several times that as Swift values.
    static let allowedGrowth = 24 << 20

    @Test("the peak memory of a run does not grow with its window")
    func boundedMemory() throws {
        let small = try Harness(prefix: "memsmall")
        let large = try Harness(prefix: "memlarge")
        defer { small.dropSchemas(); large.dropSchemas() }
        try small.produce(Array(EventGenerator(options: .damaged(events: 10_000, subjects: 1_000, seed: 71))))
        try large.produce(Array(EventGenerator(options: .damaged(events: 60_000, subjects: 6_000, seed: 71))))

        var peaks: [Int] = []
        for harness in [small, large] {
            let outcome = try CLIProcess.run(
                ["run", "--from-beginning", "--topic", harness.topic, "--target-schema", harness.target,
                 "--manifest-dir", harness.manifestDirectory, "--batch-size", "2000", "--quiet"],
                environment: ["DATABASE_URL": harness.postgres.url, "KAFKA_BROKERS": harness.kafka.brokers])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            peaks.append(outcome.peakMemory)
        }
        #expect(try large.scalar("select read from \(large.stateSchema).runs") == "60000")
        #expect(peaks[1] - peaks[0] < Self.allowedGrowth,
                "10k events peaked at \(peaks[0] >> 20) MiB, 60k at \(peaks[1] >> 20) MiB")
    }
}
