@testable import Embeddings
import Foundation
import Synchronization
import TestSupport
import Testing

@Suite("HTTP client", .tags(.integration))
struct TransportTests {
    static let health = #"{"status":"ok","model":"m","dimension":2}"#

    @Test("chunked answers and answers ended by closing the connection are read whole")
    func chunkedAndCloseDelimited() throws {
        let server = try ScriptedHTTPServer { request in
            if request.path == "/health" {
                let body = Array(Self.health.utf8)
                let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                let chunks = "5\r\n" + String(decoding: body[0..<5], as: UTF8.self) + "\r\n"
                    + String(body.count - 5, radix: 16) + ";ext=1\r\n" + String(decoding: body[5...], as: UTF8.self) + "\r\n0\r\n\r\n"
                return .raw(Array((head + chunks).utf8))
            }
            return .raw(Array(("HTTP/1.0 200 OK\r\n\r\n" + #"{"model":"m","dimension":2,"embeddings":[[0.6,0.8]]}"#).utf8))
        }
        let client = ServiceClient(baseURL: server.url, timeout: 5)
        #expect(try client.health().get() == ServiceHealth(model: "m", dimension: 2))
        guard case .success(let answer) = client.generate(["x"]) else {
            Issue.record("the close-delimited answer was not read")
            return
        }
        #expect(answer.vectors == [[0.6, 0.8]])
    }

    @Test("an answer cut off in the middle is a transient failure, not a parse of half a body")
    func truncatedAnswer() throws {
        let server = try ScriptedHTTPServer { _ in
            .raw(Array("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"model\":\"m\",\"embeddings\":[[0.1,".utf8))
        }
        let outcome = ServiceClient(baseURL: server.url, timeout: 5).generate(["x"])
        guard case .transient(let reason, _) = outcome else {
            Issue.record("expected a transient failure, got \(outcome)")
            return
        }
        #expect(reason.contains("dropped"))
    }

    @Test("status and headers of an answer that is not 200 reach the caller as they were sent")
    func statusAndHeaders() throws {
        let server = try ScriptedHTTPServer { request in
            request.path == "/health" ? .json(200, Self.health) : .json(429, #"{"error":"later"}"#, headers: ["Retry-After": "2"])
        }
        let transport = HTTPTransport(baseURL: server.url, timeout: 5, connections: 1)
        let answer = try transport.send(method: "GET", path: "/health", body: nil).get()
        #expect(answer.status == 200)
        #expect(try EmbeddingResponse.parse(answer.body).model == "m")
        let busy = try transport.send(method: "POST", path: "/generate", body: Array(#"{"texts":["a"]}"#.utf8)).get()
        #expect(busy.status == 429)
        #expect(busy.headers["retry-after"] == "2")
        #expect(try EmbeddingResponse.parse(busy.body).error == "later")
        #expect(server.requests("/generate").first?.body == Array(#"{"texts":["a"]}"#.utf8))
    }

    @Test("connections are kept alive between requests, and one the service closed while idle is replaced without a failure")
    func keepAlive() throws {
        let server = try ScriptedHTTPServer(keepAlive: true) { request in
            if request.number == 3 {  // answers as if keeping the connection, then closes it (an idle timeout)
                return .raw(Array(("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: \(Self.health.utf8.count)\r\n\r\n" + Self.health).utf8))
            }
            return .json(200, Self.health)
        }
        let client = ServiceClient(baseURL: server.url, timeout: 5, connections: 1)
        for _ in 0..<5 {
            #expect(try client.health().get() == ServiceHealth(model: "m", dimension: 2))
        }
        #expect(server.requests("/health").map(\.connection) == [1, 1, 1, 2, 2])
        #expect(client.connectionsOpened == 2)
    }

    @Test("a request whose connection closes before any answer is sent once more at once, only once, and never after part of an answer")
    func closedBeforeAnswer() throws {
        let once = try ScriptedHTTPServer { request in request.number == 1 ? .drop : .json(200, Self.health) }
        #expect(try ServiceClient(baseURL: once.url, timeout: 5).health().get() == ServiceHealth(model: "m", dimension: 2))
        #expect(once.requests("/health").count == 2)

        let always = try ScriptedHTTPServer { _ in .drop }
        guard case .transient = ServiceClient(baseURL: always.url, timeout: 5).generate(["x"]) else {
            Issue.record("a service that drops every connection must be a transient failure")
            return
        }
        #expect(always.requests("/generate").count == 2)

        let cut = try ScriptedHTTPServer { _ in .raw(Array("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"model\"".utf8)) }
        guard case .transient = ServiceClient(baseURL: cut.url, timeout: 5).generate(["x"]) else {
            Issue.record("an answer cut off must be a transient failure")
            return
        }
        #expect(cut.requests("/generate").count == 1)
    }

    @Test("requests from several threads at once each get the answer to their own texts")
    func concurrentRequests() throws {
        let client = ServiceClient(baseURL: try ServiceClient.parseURL(try TestEnvironment.embeddingServiceURL()), timeout: 60, connections: 2)
        let texts = (0..<8).map { "parallel message number \($0) about \(["cats", "taxes", "rain", "trains"][$0 % 4])" }
        let expected = try texts.map { text -> [Float] in
            guard case .success(let answer) = client.generate([text]), let vector = answer.vectors?.first else {
                throw TransportFailure(description: "no answer for \(text)")
            }
            return vector
        }
        let answers = Mutex<[Int: [Float]]>([:])
        DispatchQueue.concurrentPerform(iterations: texts.count) { index in
            if case .success(let answer) = client.generate([texts[index]]), let vector = answer.vectors?.first {
                answers.withLock { $0[index] = vector }
            }
        }
        let got = answers.withLock { $0 }
        #expect(got.count == texts.count)
        for (index, vector) in got {
            #expect(zip(vector, expected[index]).allSatisfy { abs($0 - $1) < 1e-4 }, "answer \(index) is not the vector of its own text")
        }
    }

    struct TransportFailure: Error { var description: String }

    @Test("a request that takes longer than the timeout is a transient failure when the timeout ends")
    func timeout() throws {
        let server = try ScriptedHTTPServer { _ in
            Thread.sleep(forTimeInterval: 4)
            return .json(200, Self.health)
        }
        let started = Date()
        let outcome = ServiceClient(baseURL: server.url, timeout: 1).generate(["x"])
        let waited = Date().timeIntervalSince(started)
        guard case .transient(let reason, _) = outcome else {
            Issue.record("expected a transient failure, got \(outcome)")
            return
        }
        #expect(reason.contains("timed out"))
        #expect(waited >= 1 && waited < 3.5)
    }

    @Test("https to the real service gives the vectors http gives; certificates that do not verify are refused")
    func https() throws {
        let service = try TLSEmbeddingService()
        let client = ServiceClient(baseURL: service.url, timeout: 60, connections: 2, trustRoots: service.certificate)
        let plain = ServiceClient(baseURL: try ServiceClient.parseURL(try TestEnvironment.embeddingServiceURL()), timeout: 60)
        let health = try client.health().get()
        #expect(health == (try plain.health().get()))
        let texts = ["the cat sat on the mat", "a kitten rested on the rug", "quarterly revenue grew"]
        guard case .success(let secure) = client.generate(texts), case .success(let reference) = plain.generate(texts),
              let vectors = secure.vectors, let expected = reference.vectors
        else {
            Issue.record("/generate did not answer over https and http")
            return
        }
        #expect(vectors.count == 3 && vectors.allSatisfy { $0.count == health.dimension })
        for (vector, other) in zip(vectors, expected) {
            #expect(zip(vector, other).allSatisfy { abs($0 - $1) < 1e-4 })
        }
        for index in 0..<4 {
            guard case .success = client.generate(["message \(index)"]) else {
                Issue.record("request \(index) over https failed")
                return
            }
        }

        // The system's trust store does not know the test's own certificate authority…
        let untrusted = try #require(throws: EmbeddingsError.self) { try ServiceClient(baseURL: service.url, timeout: 10).health().get() }
        #expect(untrusted.code == .service)
        #expect(untrusted.description.contains("did not answer /health: TLS"), "\(untrusted)")
        // …and a trusted certificate made for the name localhost does not vouch for 127.0.0.1.
        let otherName = URL(string: "https://127.0.0.1:\(service.port)")!
        let mismatch = try #require(throws: EmbeddingsError.self) {
            try ServiceClient(baseURL: otherName, timeout: 10, trustRoots: service.certificate).health().get()
        }
        #expect(mismatch.description.contains("did not answer /health: TLS"), "\(mismatch)")
    }
}
