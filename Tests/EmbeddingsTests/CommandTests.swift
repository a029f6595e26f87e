import Embeddings
import Foundation
import TestSupport
import Testing

/// `backfill embed` as an operator runs it: exit codes, JSON, one-sentence errors.
@Suite("backfill embed command", .tags(.integration))
struct CommandTests {
    @Test("a run exits 0 and prints its manifest as JSON; a second run embeds nothing")
    func runsAndPrintsJSON() throws {
        let harness = try EmbedHarness(prefix: "embed_cli")
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        try harness.produce(messages(12))
        let arguments = ["embed", "--from-beginning", "--topic", harness.topic, "--schema", harness.schema,
                         "--service-url", service.url.absoluteString, "--batch-size", "5", "--manifest-dir", harness.manifestDirectory, "--json", "--quiet"]
        let first = try CLIProcess.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        let manifest = try JSONDecoder.iso8601.decode(EmbedManifest.self, from: Data(first.stdout.utf8))
        #expect(manifest.counts.embedded == 12)
        let second = try CLIProcess.run(arguments)
        #expect(second.status == 0)
        #expect(try JSONDecoder.iso8601.decode(EmbedManifest.self, from: Data(second.stdout.utf8)).counts.skippedCurrent == 12)
    }

    @Test("an unreachable service exits 2 with one sentence and no password")
    func unreachableServiceExitsTwo() throws {
        let outcome = try CLIProcess.run(["embed", "--from-beginning", "--topic", "nowhere", "--max-retries", "0",
                                          "--service-url", "http://user:hunter2@127.0.0.1:1"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("error: the embedding service at http://127.0.0.1:1 did not answer /health"))
        #expect(!outcome.stderr.contains("hunter2"))
    }

    @Test("a missing service URL is an error that says how to give one")
    func missingServiceURL() throws {
        let outcome = try CLIProcess.run(["embed", "--from-beginning"], removing: ["EMBEDDING_SERVICE_URL"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("--service-url"))
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
