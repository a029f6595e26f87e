/// Turns a record value into a valid `Event`, or the contract's quarantine reason.
///
/// Rules are checked in the order the contract lists them — envelope fields (`event_id`,
/// `event_type`, `occurred_at`, `subject_id`, `subject`, `source`, `payload`), then the
/// payload fields of the type in table order, then the payload as a whole — and the first
/// broken rule is the reason. Each field is checked for a repeated name (`duplicate_field`),
/// then absence, JSON type, a U+0000 in a string (`nul_character`) or a number beyond
/// PostgreSQL's `numeric` (`bad_value`), then its value. The whole payload, stored as text
/// and cast to jsonb, may hold neither anywhere (`nul_character:payload`, `bad_value:payload`);
/// unknown envelope members are not stored, so they are ignored whatever they hold. Lengths
/// count Unicode scalars (PostgreSQL's `char_length`).
public enum EventDecoder {
    /// Values above this are `oversized` without being parsed.
    public static let maximumValueSize = 1 << 20

    /// A valid event and where its `payload` object lies in the record value.
    public struct Decoded: Sendable {
        public var event: Event
        public var payloadRange: Range<Int>
    }

    public static func decode(_ value: [UInt8]) -> Result<Decoded, QuarantineReason> {
        value.withUnsafeBytes { decode($0) }
    }

    public static func decode(_ value: UnsafeRawBufferPointer) -> Result<Decoded, QuarantineReason> {
        guard value.count <= maximumValueSize else { return .failure(.oversized) }
        let envelope: ScannedObject
        do {
            guard let object = try ScannedObject(value, nested: "payload") else { return .failure(.notAnObject) }
            envelope = object
        } catch {
            return .failure(.invalidJSON)
        }
        let fields = Fields(envelope)
        do {
            let eventID = try fields.string("event_id", length: 1...128)
            guard let typeValue = try fields.value("event_type") else { throw QuarantineReason.missingField("event_type") }
            try Fields.checkString(typeValue, "event_type")
            guard let type = envelope.withText(typeValue, { EventType(utf8: $0) }) else { throw QuarantineReason.unknownEventType }
            let occurredAt = try fields.timestamp("occurred_at")
            let subjectID = try fields.string("subject_id", length: 1...256)
            if let subject = try fields.value("subject") {
                try Fields.checkString(subject, "subject")
                guard envelope.textEquals(subject, type.kind.staticName) else { throw QuarantineReason.subjectMismatch }
            }
            let source = try fields.optionalString("source")
            guard let payloadValue = try fields.value("payload") else { throw QuarantineReason.missingField("payload") }
            guard case .object = payloadValue.kind else { throw QuarantineReason.badType("payload") }
            let payload = try decodePayload(type: type, Fields(envelope.object(payloadValue)))
            try checkStorable(payloadValue)
            let event = Event(eventID: eventID, type: type, occurredAt: occurredAt, subjectID: subjectID, source: source, payload: payload)
            return .success(Decoded(event: event, payloadRange: payloadValue.range))
        } catch let reason as QuarantineReason {
            return .failure(reason)
        } catch {
            preconditionFailure("decoder threw \(error)")
        }
    }

    /// Re-reads a payload stored by an earlier run (the event log keeps the original bytes).
    public static func decodePayload(type: EventType, bytes: UnsafeRawBufferPointer) -> Result<Payload, QuarantineReason> {
        do {
            guard let payload = try ScannedObject(bytes) else { return .failure(.badType("payload")) }
            let decoded = try decodePayload(type: type, Fields(payload))
            var flags: JSONSpan.Flags = []
            for member in payload.members { flags.formUnion(member.key.flags); flags.formUnion(member.value.flags) }
            try checkStorable(JSONSpan(kind: .object, range: 0..<bytes.count, flags: flags))
            return .success(decoded)
        } catch let reason as QuarantineReason {
            return .failure(reason)
        } catch {
            return .failure(.invalidJSON)
        }
    }

    /// The payload is stored as text and cast to jsonb: after its fields (which name their own
    /// reasons), anything else in it that PostgreSQL would refuse is the payload's.
    private static func checkStorable(_ payload: JSONSpan) throws(QuarantineReason) {
        if payload.flags.contains(.nul) { throw .nulCharacter("payload") }
        if payload.flags.contains(.beyondNumeric) { throw .badValue("payload") }
    }

    private static func decodePayload(type: EventType, _ fields: Fields) throws(QuarantineReason) -> Payload {
        switch type {
        case .linkAdded:
            return .linkAdded(url: try fields.string("url", length: 1...Int.max), title: try fields.optionalString("title"))
        case .contentFetched:
            return .contentFetched(httpStatus: try fields.optionalInteger("http_status", range: 100...599),
                                   contentType: try fields.optionalString("content_type"),
                                   text: try fields.optionalString("text"),
                                   // word_count's column is `integer`: beyond Int32 it would not be stored as given
                                   wordCount: try fields.optionalInteger("word_count", range: 0...Int64(Int32.max)))
        case .enrichmentCompleted:
            let summary = try fields.optionalString("summary")
            var tags: String?
            if let value = try fields.value("tags") {
                guard case .array = value.kind, case .array(let items) = fields.object.tree(value) else { throw QuarantineReason.badType("tags") }
                for item in items { guard case .string = item else { throw QuarantineReason.badType("tags") } }
                guard !value.flags.contains(.nul) else { throw QuarantineReason.nulCharacter("tags") }
                tags = JSONValue.array(items).serialized
            }
            return .enrichmentCompleted(summary: summary, tags: tags,
                                        language: try fields.optionalString("language"),
                                        model: try fields.optionalString("model"))
        case .publishCompleted:
            return .publishCompleted(target: try fields.optionalString("target"), url: try fields.optionalString("url"))
        case .linkVisibilityChanged:
            let visibility = try fields.string("visibility", length: 0...Int.max)
            guard ["public", "private", "unlisted"].contains(visibility) else { throw QuarantineReason.badValue("visibility") }
            return .linkVisibilityChanged(visibility: visibility)
        case .tempReadingRecorded:
            guard let celsius = try fields.optionalNumber("celsius", range: -90...70) else {
                throw QuarantineReason.missingField("celsius")
            }
            return .tempReadingRecorded(celsius: celsius, humidity: try fields.optionalNumber("humidity", range: 0...100))
        case .todoCreated:
            let title = try fields.string("title", length: 1...Int.max)
            let notes = try fields.optionalString("notes")
            let dueAt = try fields.optionalTimestamp("due_at")
            return .todoCreated(title: title, notes: notes, dueAt: dueAt)
        case .todoCompleted:
            return .todoCompleted
        case .annotationAdded:
            return .annotationAdded(linkID: try fields.string("link_id", length: 0...Int.max),
                                    quote: try fields.optionalString("quote"),
                                    note: try fields.optionalString("note"))
        }
    }

    // MARK: - Field rules

    /// An object's members under the contract's rules: a repeated name is `duplicate_field`, a
    /// `null` member counts as absent, and each rule names the field in the reason it gives.
    private struct Fields {
        let object: ScannedObject
        init(_ object: ScannedObject) { self.object = object }

        /// The member `name`; nil when it is absent or `null`.
        func value(_ name: StaticString) throws(QuarantineReason) -> JSONSpan? {
            let (value, repeated) = object.lookup(name)
            guard !repeated else { throw .duplicateField(name.description) }
            guard let value, value.kind != .null else { return nil }
            return value
        }

        /// A string PostgreSQL can store as text: `bad_type` or `nul_character` otherwise.
        static func checkString(_ value: JSONSpan, _ name: StaticString) throws(QuarantineReason) {
            guard case .string = value.kind else { throw .badType(name.description) }
            guard !value.flags.contains(.nul) else { throw .nulCharacter(name.description) }
        }

        /// A number `numeric` holds (the jsonb cast of the stored payload reads it so).
        static func checkNumber(_ value: JSONSpan, _ name: StaticString) throws(QuarantineReason) {
            guard value.kind == .number else { throw .badType(name.description) }
            guard !value.flags.contains(.beyondNumeric) else { throw .badValue(name.description) }
        }

        func string(_ name: StaticString, length: ClosedRange<Int>) throws(QuarantineReason) -> String {
            guard let value = try self.value(name) else { throw .missingField(name.description) }
            try Self.checkString(value, name)
            let s = object.string(value)
            if length != 0...Int.max {
                // A string has at most as many scalars as UTF-8 bytes, and a non-empty one at least one,
                // so the byte count settles most checks without walking the scalars.
                let bytes = s.utf8.count
                let settled = bytes <= length.upperBound && length.lowerBound <= 1 && (bytes >= 1 || length.lowerBound == 0)
                guard settled || length.contains(s.unicodeScalars.count) else { throw .badValue(name.description) }
            }
            return s
        }

        func optionalString(_ name: StaticString) throws(QuarantineReason) -> String? {
            guard let value = try self.value(name) else { return nil }
            try Self.checkString(value, name)
            return object.string(value)
        }

        /// An integer in `range` (the column's type bounds it too: `integer` columns are int4). A
        /// number written with a fraction or exponent counts when its value is whole; a whole value
        /// too large for a double (`1e400`) is out of range, not a fraction.
        func optionalInteger(_ name: StaticString, range: ClosedRange<Int64>) throws(QuarantineReason) -> Int64? {
            guard let value = try self.value(name) else { return nil }
            try Self.checkNumber(value, name)
            let (d, integer) = object.number(value)
            let exact: Int64
            if let integer {
                exact = integer
            } else if d.isFinite, d.rounded(.towardZero) == d, let i = Int64(exactly: d) {
                exact = i
            } else if d.isInfinite || d.rounded(.towardZero) == d {
                throw .badValue(name.description)  // integral but beyond Int64
            } else {
                throw .badType(name.description)
            }
            guard range.contains(exact) else { throw .badValue(name.description) }
            return exact
        }

        func optionalNumber(_ name: StaticString, range: ClosedRange<Double>) throws(QuarantineReason) -> Double? {
            guard let value = try self.value(name) else { return nil }
            try Self.checkNumber(value, name)
            let d = object.number(value).0
            guard d.isFinite, range.contains(d) else { throw .badValue(name.description) }
            return d
        }

        func timestamp(_ name: StaticString) throws(QuarantineReason) -> Timestamp {
            guard let t = try optionalTimestamp(name) else { throw .missingField(name.description) }
            return t
        }

        func optionalTimestamp(_ name: StaticString) throws(QuarantineReason) -> Timestamp? {
            guard let value = try self.value(name) else { return nil }
            try Self.checkString(value, name)
            guard let t = object.withText(value, { Timestamp.parse($0.bindMemory(to: UInt8.self)) }) else { throw .badTimestamp(name.description) }
            return t
        }
    }
}
