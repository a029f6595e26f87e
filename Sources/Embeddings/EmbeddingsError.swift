/// A failure of the embedding backfill, as one sentence a person can act on.
public struct EmbeddingsError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }
        /// The service could not be reached or kept failing after every retry.
        public static let service = Code(name: "service")
        /// The service answered something the contract does not allow (bad JSON, model or dimension changed).
        public static let protocolViolation = Code(name: "protocol")
        /// The service's model or dimension changed while it was being used (a redeploy): the
        /// vectors would not be comparable with those already stored.
        public static let modelChanged = Code(name: "model")
        /// The table or extension is not as the contract needs (dimension mismatch, no pgvector).
        public static let table = Code(name: "table")
        public static let manifest = Code(name: "manifest")
        /// The settings contradict each other or the servers (a dimension the service does not
        /// produce, a follower with nowhere to start).
        public static let configuration = Code(name: "configuration")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
