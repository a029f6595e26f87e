import Embeddings
import Foundation
import Kafka
import Testing

@Suite("Embedding pieces without servers")
struct UnitTests {
    @Test("backoff doubles, stays within its window, and never undercuts Retry-After")
    func backoff() {
        let policy = RetryPolicy(maxRetries: 5, initialDelay: 1, maxDelay: 8, maxRetryAfter: 60)
        #expect(policy.delay(retry: 1, retryAfter: nil, jitter: 0) == 0.5)
        #expect(policy.delay(retry: 1, retryAfter: nil, jitter: 0.999) < 1)
        #expect(policy.delay(retry: 3, retryAfter: nil, jitter: 0) == 2)
        #expect(policy.delay(retry: 10, retryAfter: nil, jitter: 0.999) <= 8)
        #expect(policy.delay(retry: 1, retryAfter: 5, jitter: 0.5) == 5)
        #expect(policy.delay(retry: 1, retryAfter: 3600, jitter: 0.5) == 60)
        #expect(RetryPolicy.parseRetryAfter("7") == 7)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryPolicy.parseRetryAfter("Tue, 14 Nov 2023 22:13:30 GMT", now: now) == 10)
        #expect(RetryPolicy.parseRetryAfter("soon") == nil)
    }

    @Test("answers with NaN and Infinity parse, so the bad vector can be singled out")
    func responseParsing() throws {
        let answer = try EmbeddingResponse.parse(Array(#"{"model":"m","dimension":2,"embeddings":[[0.5,-1e-3],[NaN,Infinity],[-Infinity,1E2]]}"#.utf8))
        #expect(answer.model == "m")
        #expect(answer.dimension == 2)
        #expect(answer.vectors?.count == 3)
        #expect(answer.vectors?[0] == [0.5, -0.001])
        #expect(answer.vectors?[1][0].isNaN == true)
        #expect(answer.vectors?[1][1] == .infinity)
        #expect(answer.vectors?[2] == [-.infinity, 100])
        let single = try EmbeddingResponse.parse(Array(#"{"model":"m","dimension":1,"embedding":[0.25]}"#.utf8))
        #expect(single.vectors == [[0.25]])
        #expect(throws: EmbeddingResponse.SyntaxError.self) { try EmbeddingResponse.parse(Array(#"{"model":"m","embeddings":[[0.5,"#.utf8)) }
    }

    @Test("the newest record of an id wins, whatever order they are read in")
    func latestWins() {
        var latest = LatestMessages()
        latest.add(TextMessage(id: "a", text: "new", partition: 0, offset: 9))
        latest.add(TextMessage(id: "a", text: "old", partition: 0, offset: 3))
        latest.add(TextMessage(id: "b", text: "b", partition: 1, offset: 1))
        #expect(latest.sorted().map(\.text) == ["new", "b"])
        #expect(latest.superseded == 1)
    }

    @Test("an id of 256 characters is valid, counted in characters, not bytes")
    func idLengthInCharacters() throws {
        let id = String(repeating: "é", count: 256)
        let record = KafkaRecord(topic: "t", partition: 0, offset: 0, timestamp: nil, key: nil,
                                 value: Array("{\"id\":\"\(id)\",\"text\":\"x\"}".utf8))
        #expect(try TextMessage.decode(record).get().id == id)
    }

    @Test("synthetic vectors are deterministic unit vectors")
    func syntheticVectors() {
        let source = SyntheticVectors(dimension: 384)
        let a = source.vector(for: "hello")
        #expect(a == source.vector(for: "hello"))
        #expect(a != source.vector(for: "hello!"))
        #expect(abs(a.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
    }

    @Test("service URLs must be http(s) and never echo a password")
    func serviceURL() throws {
        #expect(try ServiceClient.parseURL("http://127.0.0.1:58080/").absoluteString == "http://127.0.0.1:58080")
        let error = try #require(throws: EmbeddingsError.self) { try ServiceClient.parseURL("ftp://user:secret@host") }
        #expect(!error.description.contains("secret"))
    }
}
