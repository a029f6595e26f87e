/// What the service says about itself before any work: vectors are stored under `model`, and the
/// table's `vector(n)` must equal `dimension`.
public struct ServiceHealth: Sendable, Equatable {
    public var model: String
    public var dimension: Int
    public init(model: String, dimension: Int) {
        self.model = model
        self.dimension = dimension
    }
}

/// The outcome of one `/generate` attempt, classified the way the contract says to react.
public enum GenerateOutcome: Sendable {
    /// 200 with a parsed answer (not yet validated against the health answer).
    case success(EmbeddingResponse)
    /// A 4xx other than 429: the request itself is bad, retrying it unchanged is pointless.
    case rejected(status: Int, message: String)
    /// 429, 5xx, a dropped or refused connection, a timeout: worth retrying after a wait.
    case transient(reason: String, retryAfter: Double?)
}

/// Where vectors come from: the HTTP service, or deterministic vectors for measuring the
/// database path alone (`SyntheticVectors`).
public protocol EmbeddingSource: Sendable {
    /// One `/health` attempt.
    func health() -> Result<ServiceHealth, EmbeddingsError>
    /// One `/generate` attempt for `texts`, in order. Retries are the caller's business.
    func generate(_ texts: [String]) -> GenerateOutcome
    /// Where it is, for messages (never with credentials).
    var displayName: String { get }
}
