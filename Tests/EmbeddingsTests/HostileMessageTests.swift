import Embeddings
import Foundation
import Lifestream
import Postgres
import TestSupport
import Testing

/// Text messages PostgreSQL would refuse, or whose meaning depends on the reader, are quarantined
/// when they are read, before anything is staged, and the embedding goes on.
@Suite("Hostile text messages")
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
