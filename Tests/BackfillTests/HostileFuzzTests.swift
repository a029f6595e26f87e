import Backfill
import Foundation
import Lifestream
import Postgres
import Store
import TestSupport
import Testing

/// The promise that no record, however malformed, stops the pipeline, tested on the real servers
/// with records no one wrote by hand: a damaged generated stream with 10,000 hostile variants of
/// its records mixed in (`HostileRecords`: random bytes, cuts, byte edits, every JSON escape,
/// extreme numbers, deep nesting, repeated names, calendar ends, NULs, absurd CreateTimes).
@Suite("Fuzzed records through backfill run", .serialized, .tags(.integration))
struct HostileFuzzTests {
    static let hostileCount = 10_000

    /// The stream: each generated record followed by its share of hostile ones, each hostile one
    /// a variant of some generated record on that record's partition, with its key. A valid
    /// variant whose subject_id already belongs to a subject of another kind (a hostile string
    /// reused, an event type swapped) is left out: the contract does not say what such a subject is.
    static func stream(seed: UInt64) -> (records: [GeneratedRecord], kinds: Set<HostileRecords.Kind>) {
        let base = Array(EventGenerator(options: .damaged(events: 2_500, subjects: 250, seed: seed)))
        let sources = base.filter { $0.value.count < 64 * 1024 }
        var hostile = HostileRecords(profile: .lifestream, seed: seed)
        var records: [GeneratedRecord] = []
        var kinds: Set<HostileRecords.Kind> = []
        var made = 0
        var kindOf: [String: String] = [:]
        for record in base {
            if let (subject, kind) = CanonicalOracle.subjectAndKind(of: record.value) { kindOf[subject] = kind }
        }
        for (index, record) in base.enumerated() {
            records.append(record)
            let share = (index + 1) * hostileCount / base.count - index * hostileCount / base.count
            for _ in 0..<share {
                let source = sources[(made &* 7_919) % sources.count]
                var (value, kind) = hostile.mutate(source.value)
                while let (subject, subjectKind) = CanonicalOracle.subjectAndKind(of: value), kindOf[subject, default: subjectKind] != subjectKind {
                    (value, kind) = hostile.mutate(source.value)
                }
                if let (subject, subjectKind) = CanonicalOracle.subjectAndKind(of: value) { kindOf[subject] = subjectKind }
                kinds.insert(kind)
                let timestamps: [Int64] = [Int64.max, 9_300_000_000_000_000, 253_402_300_800_000, 0]
                let timestamp = made % 97 == 0 ? timestamps[(made / 97) % timestamps.count] : source.timestamp
                records.append(GeneratedRecord(partition: source.partition, key: source.key, value: value, timestamp: timestamp, quarantineReason: nil))
                made += 1
            }
        }
        return (records, kinds)
    }

    @Test("10,000 fuzzed records through a bulk first run and an incremental second run of the CLI: exit 0, read = valid + duplicate + quarantined, every quarantined offset has its reason, and the tables are the oracle's")
    func fuzzedRun() throws {
        let (records, kinds) = Self.stream(seed: 31)
        #expect(kinds.count == HostileRecords.Kind.allCases.count)
        #expect(records.count >= Self.hostileCount + 2_500)
        let harness = try Harness(prefix: "fuzz", partitions: 4)
        defer { harness.dropSchemas() }
        let half = records.count / 2
        try harness.produce(Array(records[..<half]))
        let first = try Self.run(harness, ["--from-beginning"])
        #expect(try harness.scalar("select bulk from \(harness.stateSchema).runs") == "t")
        try Self.check(harness, first, produced: half)

        try harness.produce(Array(records[half...]))
        let second = try Self.run(harness, ["--after", harness.manifestDirectory + "/latest.json"])
        #expect(try harness.scalar("select string_agg(bulk::text, ',' order by started_at) from \(harness.stateSchema).runs") == "true,false")
        try Self.check(harness, second, produced: records.count - half)
    }

    /// `backfill run` as an operator runs it; it must exit 0. Returns its manifest.
    static func run(_ harness: Harness, _ start: [String]) throws -> RunManifest {
        let outcome = try CLIProcess.run(["run"] + start + ["--topic", harness.topic, "--target-schema", harness.target,
                                                            "--manifest-dir", harness.manifestDirectory, "--batch-size", "1000", "--quiet"])
        #expect(outcome.status == 0, "backfill run exited \(outcome.status): \(outcome.stderr)")
        return try RunManifest.load(path: harness.manifestDirectory + "/latest.json")
    }

    /// The run's counts add up and match the oracle's over everything produced so far; each
    /// quarantined offset has its row with the oracle's reason; the tables are the oracle's.
    static func check(_ harness: Harness, _ manifest: RunManifest, produced: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let c = manifest.counts
        #expect(c.read == Int64(produced), sourceLocation: sourceLocation)
        #expect(c.read == c.valid + c.duplicate + c.quarantined, sourceLocation: sourceLocation)
        let expected = CanonicalOracle.evaluate(harness.produced)
        let stored = try harness.quarantine()
        let reasons = expected.quarantined.map { "\($0.partition)/\($0.offset) \($0.reason)" }
        #expect(stored.count == reasons.count, sourceLocation: sourceLocation)
        let missing = Set(reasons).subtracting(stored).sorted().prefix(5)
        #expect(missing.isEmpty, "quarantine rows missing or with another reason: \(missing)", sourceLocation: sourceLocation)
        let counted = try harness.scalar("select sum(quarantined) from \(harness.stateSchema).runs")
        #expect(counted == String(stored.count), sourceLocation: sourceLocation)
        #expect(try harness.scalar("select count(*) from \(SQL.quoteIdentifier(harness.target)).quarantine where reason = ''") == "0",
                sourceLocation: sourceLocation)
        let differing = differences(try harness.state(), expected.state)
        #expect(differing == [], "\(differing)", sourceLocation: sourceLocation)
        #expect(expected.valid > 1_000 && expected.quarantined.count > 1_000, sourceLocation: sourceLocation)
    }
}

