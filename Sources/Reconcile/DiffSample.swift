/// How a row differs between the sides.
public enum DifferenceKind: String, Sendable, Codable, CaseIterable {
    case onlyLeft = "only_left"
    case onlyRight = "only_right"
    case changed
}

/// One differing row shown with both sides' values.
///
/// Values are the text PostgreSQL prints for them in the diff's session settings (UTC ISO
/// timestamps, shortest exact floats, canonical jsonb); nil is SQL NULL, or the side that
/// does not have the row (`kind` says which).
public struct DiffSample: Sendable, Codable, Equatable {
    public struct KeyField: Sendable, Codable, Equatable {
        public var column: String
        public var value: String
        public init(column: String, value: String) {
            self.column = column
            self.value = value
        }
    }

    public struct Value: Sendable, Codable, Equatable {
        public var column: String
        public var left: String?
        public var right: String?
        /// True for the columns that differ; every column of a row that is on one side only.
        public var differs: Bool
        /// The verdict rule that accepted this column's difference (the row still differs in
        /// another column); nil without one.
        public var acceptedBy: String?
        public init(column: String, left: String?, right: String?, differs: Bool, acceptedBy: String? = nil) {
            self.column = column
            self.left = left
            self.right = right
            self.differs = differs
            self.acceptedBy = acceptedBy
        }
    }

    public var kind: DifferenceKind
    /// The primary key, in key order.
    public var key: [KeyField]
    /// Every other column, in table order.
    public var values: [Value]
    /// Why the row differs, when the event log could say (see `DiffCause`).
    public var cause: DiffCause?
    /// The events behind `cause`, in words.
    public var explanation: String?

    public init(kind: DifferenceKind, key: [KeyField], values: [Value], cause: DiffCause? = nil, explanation: String? = nil) {
        self.kind = kind
        self.key = key
        self.values = values
        self.cause = cause
        self.explanation = explanation
    }

    public var differingValues: [Value] { values.filter(\.differs) }
}
