/// Why a record was quarantined: the stable strings of the contract.
public struct QuarantineReason: Hashable, Sendable, CustomStringConvertible, Error {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let invalidJSON = QuarantineReason(rawValue: "invalid_json")
    public static let notAnObject = QuarantineReason(rawValue: "not_an_object")
    public static let unknownEventType = QuarantineReason(rawValue: "unknown_event_type")
    public static let subjectMismatch = QuarantineReason(rawValue: "subject_mismatch")
    public static let oversized = QuarantineReason(rawValue: "oversized")
    public static func missingField(_ name: String) -> QuarantineReason { .init(rawValue: "missing_field:\(name)") }
    public static func badType(_ name: String) -> QuarantineReason { .init(rawValue: "bad_type:\(name)") }
    public static func badValue(_ name: String) -> QuarantineReason { .init(rawValue: "bad_value:\(name)") }
    public static func badTimestamp(_ name: String) -> QuarantineReason { .init(rawValue: "bad_timestamp:\(name)") }
    /// The member `name` appears more than once in its object (RFC 8259: names SHOULD be unique),
    /// so which value counts would depend on the reader.
    public static func duplicateField(_ name: String) -> QuarantineReason { .init(rawValue: "duplicate_field:\(name)") }
    /// The string `name` holds U+0000 (a `\u0000` escape), which PostgreSQL's text and jsonb cannot
    /// store; `payload` when it is in a member of the payload the contract does not name.
    public static func nulCharacter(_ name: String) -> QuarantineReason { .init(rawValue: "nul_character:\(name)") }
}
