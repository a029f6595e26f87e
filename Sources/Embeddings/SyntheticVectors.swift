/// Deterministic unit vectors derived from each text's bytes, standing in for the service when
/// measuring the database path alone (`backfill embed --synthetic-vectors`, benchmarks only). The
/// same text always gets the same vector, so re-runs behave exactly as with a real model; the
/// model name says plainly that these are not embeddings.
public struct SyntheticVectors: EmbeddingSource {
    public static let modelName = "synthetic-benchmark-vectors"
    public let dimension: Int

    public init(dimension: Int = 384) { self.dimension = dimension }

    public var displayName: String { "synthetic vectors (benchmark)" }

    public func health() -> Result<ServiceHealth, EmbeddingsError> {
        .success(ServiceHealth(model: Self.modelName, dimension: dimension))
    }

    public func generate(_ texts: [String]) -> GenerateOutcome {
        var response = EmbeddingResponse()
        response.model = Self.modelName
        response.dimension = dimension
        response.vectors = texts.map(vector(for:))
        return .success(response)
    }

    public func vector(for text: String) -> [Float] {
        var state: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { state = (state ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var values = [Float](repeating: 0, count: dimension)
        var sum: Float = 0
        for index in 0..<dimension {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17  // xorshift64
            let value = Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
            values[index] = value
            sum += value * value
        }
        let norm = sum > 0 ? sum.squareRoot() : 1
        for index in 0..<dimension { values[index] /= norm }
        return values
    }
}
