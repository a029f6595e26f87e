import Foundation
import Postgres
import TestSupport
import Testing

/// `embed` holds its table's lock and its schema's in shared mode (`WriterLocks`). The first
/// embed is held inside its locks — its first /generate request waits for the test — while the
/// others try, and the test checks it was still running then.
@Suite("backfill embed locks", .tags(.integration))
struct EmbedLockTests {
    @Test("an embed at work turns away a second embed of its table and a run into its schema (exit 3, naming it), while an embed into another table of the schema goes on")
    func embedExcludesWritersOfItsTable() throws {
        let harness = try EmbedHarness(prefix: "embed_lock")
        defer {
            harness.dropSchema()
            if let db = try? harness.connect() {
                _ = try? db.execute("drop schema if exists \(SQL.quoteIdentifier(harness.schema + "_backfill")) cascade")
                db.close()
            }
        }
        let service = try ScriptedService()
        try harness.produce(messages(20))
        let gate = DispatchSemaphore(value: 0)
        service.setHook { _, number in
            if number == 1 { gate.wait() }  // the first batch of the first embed waits for the test
            return nil
        }
        let embed = ["embed", "--from-beginning", "--topic", harness.topic, "--schema", harness.schema,
                     "--service-url", service.url.absoluteString, "--batch-size", "5", "--quiet"]
        let first = try CLIProcess.launch(embed + ["--concurrency", "1", "--manifest-dir", harness.manifestDirectory + "/first"],
                                          environment: ["BACKFILL_LOCK_WAIT": "30"])
        defer {
            gate.signal()
            first.stop()
        }
        try #require(eventually(within: 30) { service.generateRequests >= 1 }, "the first embed never asked for a batch")

        let short = ["BACKFILL_LOCK_WAIT": "1"]
        let second = try CLIProcess.run(embed + ["--manifest-dir", harness.manifestDirectory + "/second"], environment: short)
        #expect(second.status == 3, "\(second.stderr)")
        #expect(second.stderr.contains("another embedding backfill is already writing \(harness.schema).text_message_embeddings (held by backfill embed lock, "),
                "\(second.stderr)")
        #expect(first.isRunning, "the first embed ended before the second tried: the test proved nothing")

        let run = try CLIProcess.run(["run", "--from-beginning", "--topic", harness.topic, "--target-schema", harness.schema,
                                      "--manifest-dir", harness.manifestDirectory + "/run"], environment: short)
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("target schema \(harness.schema) (held by backfill embed lock, "), "\(run.stderr)")
        #expect(first.isRunning, "the first embed ended before the run tried: the test proved nothing")

        let other = try CLIProcess.run(embed + ["--table", "other_embeddings", "--manifest-dir", harness.manifestDirectory + "/other"], environment: short)
        #expect(other.status == 0, "\(other.stderr)")
        #expect(first.isRunning, "the first embed ended before the other table's: the test proved nothing")

        gate.signal()
        let finished = try #require(first.finish(within: 60))
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(try harness.rows().count == 20)
    }
}
