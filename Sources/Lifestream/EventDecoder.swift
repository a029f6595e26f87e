/// Turns a record value into a valid `Event`, or the contract's quarantine reason.
///
/// Rules are checked in the order the contract lists them — envelope fields (`event_id`,
/// `event_type`, `occurred_at`, `subject_id`, `subject`, `source`, `payload`), then the
/// payload fields of the type in table order — and the first broken rule is the reason.
/// Lengths count Unicode scalars (PostgreSQL's `char_length`).
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
        let members: [(key: String, value: JSONValue, range: Range<Int>)]
        do {
            switch try JSONParser.parseDocument(value) {
            case .object(let m): members = m
            case .other: return .failure(.notAnObject)
            }
        } catch {
            return .failure(.invalidJSON)
        }
        func member(_ name: String) -> (value: JSONValue, range: Range<Int>)? {
            var found: (JSONValue, Range<Int>)?
            for m in members where m.key == name { found = (m.value, m.range) }
            if let found, case .null = found.0 { return nil }
            return found
        }
        do {
            let eventID = try string(member("event_id")?.value, "event_id", length: 1...128)
            guard let typeValue = member("event_type")?.value else { throw QuarantineReason.missingField("event_type") }
            guard case .string(let typeName) = typeValue else { throw QuarantineReason.badType("event_type") }
            guard let type = EventType(rawValue: typeName) else { throw QuarantineReason.unknownEventType }
            let occurredAt = try timestamp(member("occurred_at")?.value, "occurred_at")
            let subjectID = try string(member("subject_id")?.value, "subject_id", length: 1...256)
            if let subject = member("subject")?.value {
                guard case .string(let kind) = subject else { throw QuarantineReason.badType("subject") }
                guard kind == type.kind.rawValue else { throw QuarantineReason.subjectMismatch }
            }
            let source = try optionalString(member("source")?.value, "source")
            guard let payloadMember = member("payload") else { throw QuarantineReason.missingField("payload") }
            let payload = try decodePayload(type: type, payloadMember.value)
            let event = Event(eventID: eventID, type: type, occurredAt: occurredAt, subjectID: subjectID, source: source, payload: payload)
            return .success(Decoded(event: event, payloadRange: payloadMember.range))
        } catch let reason as QuarantineReason {
            return .failure(reason)
        } catch {
            preconditionFailure("decoder threw \(error)")
        }
    }

    /// Re-reads a payload stored by an earlier run (the event log keeps the original bytes).
    public static func decodePayload(type: EventType, bytes: UnsafeRawBufferPointer) -> Result<Payload, QuarantineReason> {
        do {
            let value = try JSONParser.parse(bytes)
            return .success(try decodePayload(type: type, value))
        } catch let reason as QuarantineReason {
            return .failure(reason)
        } catch {
            return .failure(.invalidJSON)
        }
    }

    static func decodePayload(type: EventType, _ payload: JSONValue) throws -> Payload {
        guard case .object = payload else { throw QuarantineReason.badType("payload") }
        func field(_ name: String) -> JSONValue? {
            if let v = payload[name], v != .null { return v }
            return nil
        }
        switch type {
        case .linkAdded:
            return .linkAdded(url: try string(field("url"), "url", length: 1...Int.max),
                              title: try optionalString(field("title"), "title"))
        case .contentFetched:
            return .contentFetched(httpStatus: try optionalInteger(field("http_status"), "http_status", range: 100...599),
                                   contentType: try optionalString(field("content_type"), "content_type"),
                                   text: try optionalString(field("text"), "text"),
                                   wordCount: try optionalInteger(field("word_count"), "word_count", range: 0...Int64.max))
        case .enrichmentCompleted:
            let summary = try optionalString(field("summary"), "summary")
            var tags: String?
            if let value = field("tags") {
                guard case .array(let items) = value else { throw QuarantineReason.badType("tags") }
                for item in items { guard case .string = item else { throw QuarantineReason.badType("tags") } }
                tags = value.serialized
            }
            return .enrichmentCompleted(summary: summary, tags: tags,
                                        language: try optionalString(field("language"), "language"),
                                        model: try optionalString(field("model"), "model"))
        case .publishCompleted:
            return .publishCompleted(target: try optionalString(field("target"), "target"),
                                     url: try optionalString(field("url"), "url"))
        case .linkVisibilityChanged:
            let visibility = try string(field("visibility"), "visibility", length: 0...Int.max)
            guard ["public", "private", "unlisted"].contains(visibility) else { throw QuarantineReason.badValue("visibility") }
            return .linkVisibilityChanged(visibility: visibility)
        case .tempReadingRecorded:
            guard let celsius = try optionalNumber(field("celsius"), "celsius", range: -90...70) else {
                throw QuarantineReason.missingField("celsius")
            }
            return .tempReadingRecorded(celsius: celsius, humidity: try optionalNumber(field("humidity"), "humidity", range: 0...100))
        case .todoCreated:
            let title = try string(field("title"), "title", length: 1...Int.max)
            let notes = try optionalString(field("notes"), "notes")
            let dueAt = try field("due_at").map { try timestamp($0, "due_at") }
            return .todoCreated(title: title, notes: notes, dueAt: dueAt)
        case .todoCompleted:
            return .todoCompleted
        case .annotationAdded:
            return .annotationAdded(linkID: try string(field("link_id"), "link_id", length: 0...Int.max),
                                    quote: try optionalString(field("quote"), "quote"),
                                    note: try optionalString(field("note"), "note"))
        }
    }

    // MARK: - Field rules

    private static func string(_ value: JSONValue?, _ name: String, length: ClosedRange<Int>) throws -> String {
        guard let value else { throw QuarantineReason.missingField(name) }
        guard case .string(let s) = value else { throw QuarantineReason.badType(name) }
        if length != 0...Int.max {
            // A string has at most as many scalars as UTF-8 bytes, and a non-empty one at least one,
            // so the byte count settles most checks without walking the scalars.
            let bytes = s.utf8.count
            let settled = bytes <= length.upperBound && length.lowerBound <= 1 && (bytes >= 1 || length.lowerBound == 0)
            guard settled || length.contains(s.unicodeScalars.count) else { throw QuarantineReason.badValue(name) }
        }
        return s
    }

    private static func optionalString(_ value: JSONValue?, _ name: String) throws -> String? {
        guard let value else { return nil }
        guard case .string(let s) = value else { throw QuarantineReason.badType(name) }
        return s
    }

    private static func optionalInteger(_ value: JSONValue?, _ name: String, range: ClosedRange<Int64>) throws -> Int64? {
        guard let value else { return nil }
        guard case .number(let d, let integer) = value else { throw QuarantineReason.badType(name) }
        let exact: Int64
        if let integer {
            exact = integer
        } else if d.isFinite, d.rounded(.towardZero) == d, let i = Int64(exactly: d) {
            exact = i
        } else if d.isFinite, d.rounded(.towardZero) == d {
            throw QuarantineReason.badValue(name)  // integral but beyond Int64
        } else {
            throw QuarantineReason.badType(name)
        }
        guard range.contains(exact) else { throw QuarantineReason.badValue(name) }
        return exact
    }

    private static func optionalNumber(_ value: JSONValue?, _ name: String, range: ClosedRange<Double>) throws -> Double? {
        guard let value else { return nil }
        guard case .number(let d, _) = value else { throw QuarantineReason.badType(name) }
        guard d.isFinite, range.contains(d) else { throw QuarantineReason.badValue(name) }
        return d
    }

    private static func timestamp(_ value: JSONValue?, _ name: String) throws -> Timestamp {
        guard let value else { throw QuarantineReason.missingField(name) }
        guard case .string(let s) = value else { throw QuarantineReason.badType(name) }
        guard let t = Timestamp(rfc3339: s) else { throw QuarantineReason.badTimestamp(name) }
        return t
    }
}
