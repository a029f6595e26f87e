/// A record that passed validation: the envelope plus the payload fields already in column form.
struct OracleEvent {
    var eventID: String
    var eventIDBytes: [UInt8]
    var type: OracleEventType
    var occurredAt: Int64
    var subjectID: String
    var subjectIDBytes: [UInt8]
    var source: String?
    /// Every payload field of the type, absent ones as `.null`.
    var fields: [String: OracleValue]

    /// Event order: `occurred_at`, then `event_id` by UTF-8 bytes.
    static func inEventOrder(_ a: OracleEvent, _ b: OracleEvent) -> Bool {
        if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
        return a.eventIDBytes.lexicographicallyPrecedes(b.eventIDBytes)
    }

    func field(_ name: String) -> OracleValue { fields[name] ?? .null }
}
