/// A failure of the pipeline, as one sentence a person can act on.
public struct BackfillError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }
        public static let plan = Code(name: "plan")
        public static let manifest = Code(name: "manifest")
        public static let state = Code(name: "state")
        public static let ingest = Code(name: "ingest")
        public static let materialize = Code(name: "materialize")
        public static let bounds = Code(name: "bounds")
        /// A checkpoint's start offset lies outside what the partition holds (below the low or
        /// above the high watermark): nothing was read, the operator must choose a new start.
        public static let checkpointOutOfRange = Code(name: "checkpointOutOfRange")
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
