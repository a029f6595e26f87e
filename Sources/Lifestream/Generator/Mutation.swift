extension EventGenerator {
    /// The envelope fields, named as in the contract.
    enum EnvelopeField: Sendable, Hashable {
        case eventID, eventType, occurredAt, subjectID, subject, source, payload
    }

    /// What to do to one field of an otherwise valid event.
    enum Edit: Sendable {
        case drop
        case null
        /// Write these raw JSON bytes as the field's value (adding the field if absent).
        case replace([UInt8])

        static func json(_ text: String) -> Edit { .replace(Array(text.utf8)) }

        /// A JSON string value.
        static func string(_ text: String) -> Edit {
            var w = JSONWriter(capacity: text.utf8.count + 2)
            w.string(Array(text.utf8))
            return .replace(w.finish())
        }
    }

    /// How an invalid record departs from a valid one: edits of single fields, and padding
    /// with an unknown payload field (which only breaks the size limit).
    struct Mutation: Sendable {
        var envelope: [EnvelopeField: Edit] = [:]
        var payload: [String: Edit] = [:]
        /// Bytes of filler in an unknown payload field (for `oversized`).
        var padding = 0
        /// The record is sent without a key (when subject_id itself is what is broken).
        var keyless = false

        static let none = Mutation()

        var isNone: Bool { envelope.isEmpty && payload.isEmpty && padding == 0 && !keyless }
    }
}
