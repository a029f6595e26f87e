import Embeddings
import Foundation
import TestSupport
import Testing

@Suite("Embedding service failures", .tags(.integration))
struct FailureModeTests {
    @Test("429 bursts are retried after the Retry-After the service asks for")
    func tooManyRequestsHonoursRetryAfter() throws {
        let harness = try EmbedHarness()
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        try harness.produce(messages(20))
        service.setHook { _, number in number <= 3 ? .json(429, #"{"error":"slow down"}"#, headers: ["Retry-After": "1"]) : nil }
        let started = Date()
        let manifest = try harness.run(service.client, harness.options(batchSize: 100, concurrency: 1))
        #expect(Date().timeIntervalSince(started) >= 3)  // backoff alone would be < 1.5 s
        #expect(manifest.counts.retries == 3)
        #expect(manifest.counts.embedded == 20)
        #expect(try harness.rows().count == 20)
    }

    @Test("500s are retried with backoff until the service recovers")
    func serverErrorsAreRetried() throws {
        let harness = try EmbedHarness()
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        try harness.produce(messages(40))
        service.setHook { _, number in number % 2 == 1 ? .json(500, #"{"error":"boom"}"#) : nil }
        let manifest = try harness.run(service.client, harness.options(batchSize: 10, concurrency: 2))
        #expect(manifest.counts.retries == 4)
        #expect(manifest.counts.embedded == 40)
        #expect(try harness.rows().count == 40)
    }

    @Test("dropped connections are retried")
    func droppedConnectionsAreRetried() throws {
        let harness = try EmbedHarness()
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        try harness.produce(messages(30))
        service.setHook { _, number in number <= 3 ? .drop : nil }
        let manifest = try harness.run(service.client, harness.options(batchSize: 10, concurrency: 1))
        #expect(manifest.counts.retries >= 1)
        #expect(manifest.counts.embedded == 30)
        #expect(try harness.rows().count == 30)
    }

    @Test("a service that keeps failing ends the run with an error after the retry budget")
    func persistentFailureIsAnError() throws {
        let harness = try EmbedHarness()
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        try harness.produce(messages(5))
        service.setHook { _, _ in .json(503, #"{"error":"overloaded"}"#) }
        let error = try #require(throws: EmbeddingsError.self) { try harness.run(service.client, harness.options(maxRetries: 2)) }
        #expect(error.code == .service)
        #expect(error.description.contains("HTTP 503"))
        #expect(service.generateRequests == 3)
        #expect(try harness.rows().isEmpty)
    }

    @Test("a 4xx for a batch is bisected down to the one bad text, which is quarantined")
    func badRequestIsBisected() throws {
        let harness = try EmbedHarness(partitions: 1)
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        var input = messages(40)
        input[27] = ("m27", "POISON text the service refuses")
        try harness.produce(input, partitions: 1)
        service.setHook { texts, _ in
            texts.contains { $0.hasPrefix("POISON") } ? .json(400, #"{"error":"text 3 is unacceptable"}"#) : nil
        }
        let manifest = try harness.run(service.client, harness.options(batchSize: 16, concurrency: 2))
        #expect(manifest.counts.embedded == 39)
        #expect(manifest.counts.quarantined == 1)
        #expect(manifest.counts.retries == 0)
        let quarantine = try harness.quarantine()
        #expect(quarantine.count == 1)
        #expect(quarantine.first?.offset == 27)
        #expect(quarantine.first?.reason.contains("HTTP 400") == true)
        #expect(quarantine.first?.value?.contains("POISON") == true)
        #expect(try harness.rows()["m27"] == nil)
        // 3 batches, plus halves down to one text for the bad one: 16 → 8 → 4 → 2 → 1 (2 each).
        #expect(service.generateRequests == 3 + 8)
    }

    @Test("a vector with NaN or Infinity is rejected and never stored")
    func nonFiniteVectorsAreRejected() throws {
        let harness = try EmbedHarness(partitions: 1)
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        var input = messages(10)
        input[2] = ("m2", "make a NaN")
        input[5] = ("m5", "make an Infinity")
        try harness.produce(input, partitions: 1)
        service.setHook { texts, _ in
            var raw: [Int: String] = [:]
            for (index, text) in texts.enumerated() {
                if text == "make a NaN" { raw[index] = "[" + Array(repeating: "0.5", count: 7).joined(separator: ",") + ",NaN]" }
                if text == "make an Infinity" { raw[index] = "[1e999" + String(repeating: ",0.5", count: 7) + "]" }
            }
            return raw.isEmpty ? nil : .json(200, ScriptedService.answer(model: "test-model", dimension: 8, vectors: texts.map { ScriptedService.vector($0, 8) }, raw: raw))
        }
        let manifest = try harness.run(service.client)
        #expect(manifest.counts.embedded == 8)
        #expect(manifest.counts.quarantined == 2)
        let rows = try harness.rows()
        #expect(rows["m2"] == nil && rows["m5"] == nil && rows.count == 8)
        #expect(try harness.quarantine().allSatisfy { $0.reason.contains("NaN or infinite") })
    }

    @Test("a vector of the wrong length is rejected; an answer in another dimension stops the run")
    func wrongDimensions() throws {
        let harness = try EmbedHarness(partitions: 1)
        defer { harness.dropSchema() }
        let service = try ScriptedService()
        var input = messages(6)
        input[4] = ("m4", "make it short")
        try harness.produce(input, partitions: 1)
        service.setHook { texts, _ in
            guard let index = texts.firstIndex(of: "make it short") else { return nil }
            return .json(200, ScriptedService.answer(model: "test-model", dimension: 8, vectors: texts.map { ScriptedService.vector($0, 8) },
                                                     raw: [index: "[0.1,0.2,0.3]"]))
        }
        let manifest = try harness.run(service.client)
        #expect(manifest.counts.embedded == 5)
        #expect(try harness.quarantine().first?.reason.contains("3 values instead of 8") == true)

        try harness.produce([("late", "arrives after the service changed")], partitions: 1)
        service.setHook { texts, _ in
            .json(200, ScriptedService.answer(model: "test-model", dimension: 4, vectors: texts.map { ScriptedService.vector($0, 4) }))
        }
        let error = try #require(throws: EmbeddingsError.self) { try harness.run(service.client) }
        #expect(error.code == .modelChanged)
        #expect(error.description.contains("4 dimensions"))
        #expect(try harness.rows()["late"] == nil)
    }

    @Test("an unreachable service is a clear error before anything is read")
    func unreachableService() throws {
        let harness = try EmbedHarness()
        defer { harness.dropSchema() }
        let server = try ScriptedHTTPServer { _ in .drop }
        let url = server.url
        server.stop()
        let client = ServiceClient(baseURL: url, timeout: 2)
        let error = try #require(throws: EmbeddingsError.self) { try harness.run(client, harness.options(maxRetries: 1)) }
        #expect(error.code == .service)
        #expect(error.description.contains("/health"))
    }
}
