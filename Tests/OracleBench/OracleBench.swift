import Foundation
import Lifestream
import TestSupport

/// The speed figures that used to be time bounds in the suite (LifestreamTests), measured by
/// scripts/bench-oracle.sh in a release build, each beside its peer:
/// - the generator: records and bytes per second over `--events` (default 1M) records;
/// - the test oracle (`CanonicalOracle`, one thread) against a bare `JSONSerialization` pass over
///   the same record values (`--oracle-events`, default 100k): the oracle should cost only a few
///   times the parsing alone, or the suite's oracle checks get slow.
/// CPU times are the calling thread's, the cheapest of `--repeat` (default 3) tries, so another
/// process busy at the same moment inflates them less than wall time.
@main
struct OracleBench {
    static func main() {
        var events = 1_000_000, oracleEvents = 100_000, repeats = 3
        var arguments = CommandLine.arguments.dropFirst()
        while let flag = arguments.popFirst() {
            let value = arguments.popFirst().flatMap(Int.init) ?? 0
            switch flag {
            case "--events" where value > 0: events = value
            case "--oracle-events" where value > 0: oracleEvents = value
            case "--repeat" where value > 0: repeats = value
            default:
                FileHandle.standardError.write(Data("OracleBench: \(flag) is not an option with a positive number (usage: OracleBench [--events N] [--oracle-events N] [--repeat N])\n".utf8))
                exit(2)
            }
        }

        var bytes = 0
        let (generateCPU, generateWall) = cheapest(repeats) {
            var options = GeneratorOptions()
            options.events = events
            bytes = 0
            for record in EventGenerator(options: options) { bytes += record.value.count }
        }
        let seconds = generateWall.inSeconds
        print(String(format: "generator: %d records (%.1f MB) in %.2f s wall, %.2f s CPU = %.0f records/s, %.1f MB/s",
                     events, Double(bytes) / 1e6, seconds, generateCPU.inSeconds, Double(events) / seconds, Double(bytes) / 1e6 / seconds))

        var options = GeneratorOptions()
        options.events = oracleEvents
        var next: [Int32: Int64] = [:]
        let records = EventGenerator(options: options).map { record in
            defer { next[record.partition, default: 0] += 1 }
            return OracleRecord(offset: next[record.partition, default: 0], partition: record.partition, key: record.key, value: record.value)
        }
        let (parsing, _) = cheapest(repeats) {
            for record in records { _ = try? JSONSerialization.jsonObject(with: Data(record.value), options: [.fragmentsAllowed]) }
        }
        var valid = 0
        let (evaluating, _) = cheapest(repeats) { valid = CanonicalOracle.evaluate(records, parallel: false).valid }
        print(String(format: "oracle: %d events (%d valid) in %.2f s CPU on one thread; JSONSerialization alone %.2f s CPU; oracle/parsing %.2f×",
                     oracleEvents, valid, evaluating.inSeconds, parsing.inSeconds, evaluating.inSeconds / parsing.inSeconds))
    }

    /// The cheapest thread CPU time of `count` runs of `body`, and that run's wall time.
    static func cheapest(_ count: Int, _ body: () -> Void) -> (cpu: Duration, wall: Duration) {
        var best: (cpu: Duration, wall: Duration) = (.seconds(1 << 40), .zero)
        for _ in 0..<count {
            let wallStart = ContinuousClock.now
            let cpuStart = threadCPUTime()
            body()
            let cpu = threadCPUTime() - cpuStart
            if cpu < best.cpu { best = (cpu, ContinuousClock.now - wallStart) }
        }
        return best
    }
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
