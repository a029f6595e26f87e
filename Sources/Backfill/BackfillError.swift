/// A failure of the pipeline, as one sentence a person can act on.
public struct BackfillError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }
        /// The state schema or the run lock does not let the run go on (another run holds it, the
        /// schema belongs to another target).
        public static let state = Code(name: "state")
        public static let ingest = Code(name: "ingest")
        public static let materialize = Code(name: "materialize")
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        guard let underlying else { return message }
        return "\(message): \(underlying)"
    }
}
