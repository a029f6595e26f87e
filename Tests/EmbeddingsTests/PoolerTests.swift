import Embeddings
import Foundation
import Testing
import TestSupport

@Suite("Embedding backfill through PgBouncer in transaction mode", .serialized, .tags(.integration))
struct EmbedPoolerTests {
    /// Three server connections for four clients (the lock's, the main one, two workers): the
    /// lock pins one, so batches land on whichever of the other two is free. Session objects
    /// (temporary tables, settings) would be missing on the other one.
    @Test("batches, quarantine, a rerun that skips current rows and the index build all work through the pooler")
    func throughThePooler() throws {
        let bouncer = try PgBouncer(poolSize: 3)
        defer { bouncer.stop() }
        let harness = try EmbedHarness(prefix: "embpool", databaseURL: bouncer.url)
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        try harness.produce(messages(120))
        try harness.produceRaw([Array(#"{"id":"bad","text":7}"#.utf8)], partition: 1)

        let first = try harness.run(service.client, harness.options(batchSize: 8, concurrency: 2, buildIndex: true))
        #expect(first.counts.embedded == 120)
        #expect(first.counts.quarantined == 1)
        #expect(first.indexBuilt)
        #expect(try harness.rows().count == 120)
        #expect(try harness.vector("m42") == ScriptedService.vector("message number 42 about nothing in particular", 8))
        #expect(try harness.quarantine().count == 1)

        let second = try harness.run(service.client, harness.options(batchSize: 8, concurrency: 2))
        #expect(second.counts.embedded == 0)
        #expect(second.counts.skippedCurrent == 120)
    }
}
