import Embeddings
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Nearest neighbours with the reference service", .tags(.integration))
struct NearestNeighbourTests {
    static let corpus: [(id: String, text: String)] = [
        ("bread", "A man is eating a piece of bread."),
        ("horse", "A man is riding a white horse on an enclosed ground."),
        ("drums", "A monkey is playing drums."),
        ("stocks", "The stock market fell sharply today after the announcement."),
        ("password", "How do I reset my password?"),
        ("weather", "The weather will be sunny and warm tomorrow."),
        ("violin", "A woman is playing the violin."),
        ("cooking", "She is chopping onions in the kitchen."),
    ]
    static let queries: [(text: String, expected: String)] = [
        ("A man is eating food.", "bread"),
        ("A man is riding a horse.", "horse"),
        ("Someone in a gorilla costume is playing a set of drums.", "drums"),
        ("I forgot my login credentials and cannot sign in.", "password"),
        ("Shares dropped on Wall Street.", "stocks"),
        ("Forecast: clear skies and high temperatures.", "weather"),
    ]

    @Test("a query through the HNSW index returns the expected neighbour for known sentences")
    func hnswFindsTheExpectedNeighbours() throws {
        let service = ServiceClient(baseURL: try ServiceClient.parseURL(try TestEnvironment.embeddingServiceURL()), timeout: 60)
        let health = try service.health().get()
        #expect(health.dimension == 384)
        let harness = try EmbedHarness(prefix: "embed_nn")
        defer { harness.dropSchema() }
        try harness.produce(Self.corpus)
        let manifest = try harness.run(service, harness.options(buildIndex: true))
        #expect(manifest.counts.embedded == Int64(Self.corpus.count))
        #expect(manifest.indexBuilt)

        guard case .success(let answer) = service.generate(Self.queries.map(\.text)), let vectors = answer.vectors else {
            Issue.record("the reference service did not embed the queries")
            return
        }
        let db = try harness.connect()
        defer { db.close() }
        try db.execute("set enable_seqscan = off")
        let nearest = "select id from \(harness.table.qualified) order by embedding <=> $1::vector limit 1"
        let plan = try db.query("explain " + nearest.replacingOccurrences(of: "$1::vector", with: "'[\(vectors[0].map { "\($0)" }.joined(separator: ","))]'::vector"))
        #expect(plan.rows.contains { $0[0]?.contains(harness.table.indexName) == true })
        for (query, vector) in zip(Self.queries, vectors) {
            let literal = "[" + vector.map { "\($0)" }.joined(separator: ",") + "]"
            let found = try db.query(nearest, [.text(literal)]).scalar
            #expect(found == query.expected, "nearest to \"\(query.text)\"")
        }
    }
}
