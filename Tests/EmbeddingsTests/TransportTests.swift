@testable import Embeddings
import Foundation
import TestSupport
import Testing

@Suite("HTTP transports", .tags(.integration))
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

    @Test("the URLSession transport (used for https) speaks the same protocol")
    func urlSessionTransport() throws {
        let server = try ScriptedHTTPServer { request in
            request.path == "/health" ? .json(200, Self.health) : .json(429, #"{"error":"later"}"#, headers: ["Retry-After": "2"])
        }
        let transport = URLSessionTransport(baseURL: server.url, timeout: 5, connections: 1)
        guard case .success(let answer) = transport.send(method: "GET", path: "/health", body: nil) else {
            Issue.record("URLSession did not get the health answer")
            return
        }
        #expect(answer.status == 200)
        #expect(try EmbeddingResponse.parse(answer.body).model == "m")
        guard case .success(let busy) = transport.send(method: "POST", path: "/generate", body: Array(#"{"texts":["a"]}"#.utf8)) else {
            Issue.record("URLSession did not get the 429")
            return
        }
        #expect(busy.status == 429)
        #expect(busy.headers["retry-after"] == "2")
    }
}
