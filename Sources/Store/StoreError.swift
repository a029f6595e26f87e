/// A failure in the shared vocabulary — planning, a checkpoint or manifest, the state schema —
/// as one sentence a person can act on.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }
        /// Bounds could not be resolved into offset ranges (a checkpoint past the end, a vanished partition).
        public static let plan = Code(name: "plan")
        /// A manifest or checkpoint file cannot be read, written or understood.
        public static let manifest = Code(name: "manifest")
        /// The state schema is not in a shape this version can work with.
        public static let state = Code(name: "state")
        /// A checkpoint's offset lies outside its partition (the topic was recreated or truncated,
        /// or retention deleted records the checkpoint has not seen).
        public static let checkpointOutOfRange = Code(name: "checkpointOutOfRange")
        /// `--since`/`--until` cannot be read as instants.
        public static let bounds = Code(name: "bounds")
        /// A report file or its folder cannot be written.
        public static let report = Code(name: "report")
        /// A row the tool reads back holds NULL or a value its column may not have.
        public static let decode = Code(name: "decode")
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
