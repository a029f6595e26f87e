/// A record that passed validation: the envelope plus the payload fields already in column form.
struct OracleEvent: Sendable {
    var eventID: String
    var type: OracleEventType
    var occurredAt: Int64
    var subjectID: String
    var source: String?
    /// Every payload field of the type in the payload table's order, absent ones as `.null`.
    var fields: [OracleValue]

    /// Event order: `occurred_at`, then `event_id` by UTF-8 bytes.
    static func inEventOrder(_ a: OracleEvent, _ b: OracleEvent) -> Bool {
        if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
        return OracleText(a.eventID) < OracleText(b.eventID)
    }

    /// The payload field's column value.
    func field(_ name: String) -> OracleValue {
        let names = type.payloadFields
        for index in names.indices where names[index].name == name { return fields[index] }
        preconditionFailure("\(type.rawValue) has no payload field \(name)")
    }
}
