import Embeddings
import Foundation
import Lifestream
import Postgres
import TestSupport
import Testing

/// Text messages PostgreSQL would refuse, or whose meaning depends on the reader, are quarantined
/// when they are read, before anything is staged, and the embedding goes on.
@Suite("Hostile text messages", .tags(.integration))
struct HostileMessageTests {
    @Test("a NUL in id or text, a repeated id or text, or a CreateTime no clock gives stops nothing: the rest is embedded by the reference service")
    func unstorableMessages() throws {
        let service = ServiceClient(baseURL: try ServiceClient.parseURL(try TestEnvironment.embeddingServiceURL()), timeout: 60)
        let harness = try EmbedHarness(prefix: "embed_nul", partitions: 1)
        defer { harness.dropSchema() }
        let values: [[UInt8]?] = [
            #"{"id":"ok1","text":"A man is eating a piece of bread."}"#,
            #"{"id":"n\u0000","text":"a NUL in the id"}"#,
            #"{"id":"n2","text":"a NUL\u0000 in the text"}"#,
            #"{"id":"d1","id":"d2","text":"two ids"}"#,
            #"{"id":"d3","text":"one","text":"two"}"#,
            #"{"id":"ok2","text":"The weather will be sunny.","ignored":"\u0000","x":1,"x":2}"#,
            #"{"id":"\ud800","text":"a lone surrogate"}"#,
        ].map { Array($0.utf8) }
        try harness.produceRaw(Array(values.prefix(4)), timestamp: Int64.max)
        try harness.produceRaw(Array(values.dropFirst(4)))
        let manifest = try harness.run(service)
        #expect(manifest.counts.read == 7 && manifest.counts.quarantined == 5 && manifest.counts.embedded == 2)
        let reasons = Dictionary(uniqueKeysWithValues: try harness.quarantine().map { ($0.offset, $0.reason) })
        #expect(reasons[1] == "'id' holds a NUL character (\\u0000), which PostgreSQL text cannot store")
        #expect(reasons[2] == "'text' holds a NUL character (\\u0000), which PostgreSQL text cannot store")
        #expect(reasons[3] == "'id' appears more than once")
        #expect(reasons[4] == "'text' appears more than once")
        #expect(reasons[6]?.contains("not JSON") == true)
        let expected = OracleTextMessages.expectedRows(values.enumerated().map { (0, Int64($0.offset), $0.element) })
        #expect(try harness.rows().mapValues(\.text) == expected)
        #expect(try harness.scalar("select count(*) from \(harness.table.quarantine) where record_timestamp is null") == "3")  // offsets 1, 2 and 3
        let again = try harness.run(service)
        #expect(again.counts.embedded == 0 && again.counts.quarantined == 5)
        #expect(try harness.quarantine().count == 5)
    }
}

extension HostileMessageTests {
    @Test("an id is at most 256 Unicode scalars, as PostgreSQL counts characters: one grapheme of 1,500 combining marks no longer passes as one character and breaks the primary key's index")
    func longGraphemeID() throws {
        let harness = try EmbedHarness(prefix: "embed_grapheme", partitions: 1)
        defer { harness.dropSchema() }
        // Combining marks from five blocks in a pseudo-random order, so the index entry does not compress.
        let blocks: [ClosedRange<UInt32>] = [0x300...0x36F, 0x1AB0...0x1ABD, 0x1DC0...0x1DFF, 0x20D0...0x20F0, 0xFE20...0xFE2F]
        let pool = blocks.flatMap { $0 }
        var marks = "e"
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<1_500 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            marks.unicodeScalars.append(Unicode.Scalar(pool[Int(state >> 33) % pool.count])!)
        }
        #expect(marks.count == 1 && marks.unicodeScalars.count == 1_501)
        let atLimit = String(repeating: "\u{E9}", count: 254) + "e\u{301}"  // 256 scalars, 255 graphemes: valid
        let values: [[UInt8]?] = [
            Array(("{\"id\":\"" + marks + "\",\"text\":\"one grapheme, 1501 scalars\"}").utf8),
            Array(("{\"id\":\"" + atLimit + "\",\"text\":\"256 scalars\"}").utf8),
            Array(#"{"id":"ok","text":"fine"}"#.utf8),
        ]
        try harness.produceRaw(values)
        let manifest = try harness.run(SyntheticVectors(dimension: 8))
        #expect(manifest.counts.quarantined == 1 && manifest.counts.embedded == 2)
        #expect(try harness.quarantine().map(\.reason) == ["'id' has 1501 characters; at most 256"])
        #expect(Set(try harness.rows().keys) == [atLimit, "ok"])
        #expect(OracleTextMessages.validate(values[0]) == nil && OracleTextMessages.validate(values[1]) != nil)
    }
}

@Suite("Fuzzed text messages through embed", .tags(.integration))
struct HostileMessageFuzzTests {
    @Test("10,000 fuzzed messages through embed (synthetic vectors): the run completes, read = valid + quarantined, every invalid offset has a quarantine row with a reason, and the table holds the newest text of each valid id")
    func fuzzedEmbed() throws {
        let harness = try EmbedHarness(prefix: "embed_fuzz", partitions: 2)
        defer { harness.dropSchema() }
        var sources: [[UInt8]] = []
        for index in 0..<600 {
            let text = index % 7 == 0 ? "caf\\u00e9 \\ud83d\\ude00 number \(index)" : "message \(index) about nothing in particular"
            sources.append(Array(#"{"id":"m\#(index % 400)","text":"\#(text)","sent_at":"2026-11-23T00:00:00Z","meta":{"n":\#(index)}}"#.utf8))
        }
        var hostile = HostileRecords(profile: .textMessage, seed: 77)
        var partitions: [[[UInt8]?]] = [[], []]
        for index in 0..<10_000 {
            let value: [UInt8]? = index % 500 == 0 ? nil : (index % 4 == 0 ? sources[index % sources.count] : hostile.mutate(sources[(index &* 31) % sources.count]).value)
            partitions[index % 2].append(value)
        }
        for partition in 0..<2 { try harness.produceRaw(partitions[partition], partition: Int32(partition)) }
        let source = SyntheticVectors(dimension: 8)
        let manifest = try harness.run(source, harness.options(batchSize: 256, concurrency: 2))

        var records: [(partition: Int32, offset: Int64, value: [UInt8]?)] = []
        for partition in 0..<2 {
            for (offset, value) in partitions[partition].enumerated() { records.append((Int32(partition), Int64(offset), value)) }
        }
        let invalid = Set(records.filter { OracleTextMessages.validate($0.value) == nil }.map { "\($0.partition)/\($0.offset)" })
        let c = manifest.counts
        #expect(c.read == 10_000)
        #expect(c.read == c.valid + c.quarantined)
        #expect(c.quarantined == Int64(invalid.count))
        let quarantine = try harness.quarantine()
        #expect(Set(quarantine.map { "\($0.partition)/\($0.offset)" }) == invalid)
        #expect(quarantine.allSatisfy { !$0.reason.isEmpty })
        let expected = OracleTextMessages.expectedRows(records)
        let rows = try harness.rows()
        #expect(rows.mapValues(\.text) == expected)
        #expect(rows.values.allSatisfy { $0.model == SyntheticVectors.modelName })
        #expect(invalid.count > 2_000 && expected.count > 300)
        // A second run finds every row current and quarantines nothing twice.
        let again = try harness.run(source, harness.options(batchSize: 256, concurrency: 2))
        #expect(again.counts.embedded == 0)
        #expect(try harness.quarantine().count == invalid.count)
    }
}
