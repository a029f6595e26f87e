import Foundation

/// Validation of one record value against the contract, yielding an event or a reason.
///
/// When several rules break, the first failing check in this order is reported:
/// 1. `oversized` (value over 1 MiB = 1,048,576 bytes), before any parsing;
/// 2. `invalid_json` (not UTF-8 JSON as `OracleJSONReader` reads it), then `not_an_object`
///    (a JSON array, string, …);
/// 3. the envelope fields in the envelope table's order — `event_id`, `event_type`,
///    `occurred_at`, `subject_id`, `subject`, `source`, `payload`;
/// 4. the payload fields in the payload table's order;
/// 5. the payload as a whole: U+0000 in any string or member name in it is
///    `nul_character:payload`, then a number PostgreSQL's `numeric` refuses anywhere in it is
///    `bad_value:payload` (it is stored and cast to jsonb whole).
/// Each field of steps 3 and 4 is checked: its name given more than once (`duplicate_field`),
/// missing (`missing_field`), JSON type (`bad_type`), a string holding U+0000
/// (`nul_character`) or a number `numeric` refuses (`bad_value`), then its value (`bad_value`,
/// `bad_timestamp`, `unknown_event_type`, `subject_mismatch`).
///
/// Readings of the contract made here (the generator avoids the debatable ones):
/// - JSON `null` is absent everywhere (`"payload": null` is `missing_field:payload`), yet a
///   name given twice is a duplicate whatever the values;
/// - members the contract does not name are never checked for repeats: in the envelope they
///   are not stored at all, in the payload jsonb keeps one and nothing reads it;
/// - invalid UTF-8 is `invalid_json`; a top-level array, string, number or `null` is
///   `not_an_object`; exactly 1 MiB is still fine;
/// - a string length ("1..128 chars") counts Unicode scalars; an empty `event_id` or
///   `subject_id` is `bad_value`, not missing;
/// - "integer" means a JSON number whose value, read as a double, has no fractional part, as
///   in JSON Schema: `200.5` is `bad_type`, `200.0` is 200, `600`, `1e400` and integers beyond
///   `Int64` are `bad_value`; `word_count` above `Int32.max` (its column is `integer`) is
///   `bad_value`;
/// - a boolean is never a number; a `tags` array with a non-string element is
///   `bad_type:tags`; an unparseable `due_at` is `bad_timestamp:due_at` (see
///   `OracleTimestamp` for the RFC 3339 forms and the instants accepted);
/// - the record key plays no part: the contract only says it carries the subject_id and
///   names no reason for a mismatch.
enum OracleValidator {
    static let maxValueBytes = 1_048_576

    enum Outcome: Sendable {
        case valid(OracleEvent)
        case quarantined(String)
    }

    static func validate(_ value: [UInt8]) -> Outcome {
        if value.count > maxValueBytes { return .quarantined("oversized") }
        guard let parsed = OracleJSONReader.read(value) else { return .quarantined("invalid_json") }
        guard case .object = parsed else { return .quarantined("not_an_object") }
        do {
            return .valid(try event(from: parsed))
        } catch let failure as Failure {
            return .quarantined(failure.reason)
        } catch {
            return .quarantined("invalid_json")
        }
    }

    struct Failure: Error { var reason: String }

    private static func event(from envelope: OracleNode) throws -> OracleEvent {
        let eventID = try requiredString(envelope, "event_id")
        guard hasLength(eventID, in: 1...128) else { throw Failure(reason: "bad_value:event_id") }

        let typeName = try requiredString(envelope, "event_type")
        guard let type = OracleEventType(rawValue: typeName) else { throw Failure(reason: "unknown_event_type") }

        let occurredText = try requiredString(envelope, "occurred_at")
        guard let occurredAt = OracleTimestamp.parse(occurredText) else { throw Failure(reason: "bad_timestamp:occurred_at") }

        let subjectID = try requiredString(envelope, "subject_id")
        guard hasLength(subjectID, in: 1...256) else { throw Failure(reason: "bad_value:subject_id") }

        if let subject = try string(envelope, "subject"), subject != type.kind {
            throw Failure(reason: "subject_mismatch")
        }
        let source = try string(envelope, "source")

        guard let payload = try member(envelope, "payload") else { throw Failure(reason: "missing_field:payload") }
        guard case .object = payload else { throw Failure(reason: "bad_type:payload") }

        var fields: [OracleValue] = []
        for (name, rule) in type.payloadFields {
            fields.append(try column(payload, name, rule))
        }
        if payload.holdsNUL { throw Failure(reason: "nul_character:payload") }
        if payload.holdsNumberBeyondNumeric { throw Failure(reason: "bad_value:payload") }
        return OracleEvent(eventID: eventID, type: type, occurredAt: occurredAt, subjectID: subjectID,
                           source: source, fields: fields)
    }

    /// The one member named `name`, nil when absent or `null`; a repeated name is a duplicate.
    static func member(_ object: OracleNode, _ name: String) throws -> OracleNode? {
        let (found, count) = object.member(named: name)
        guard count <= 1 else { throw Failure(reason: "duplicate_field:\(name)") }
        guard let value = found else { return nil }
        if case .null = value { return nil }
        return value
    }

    /// A string member, or nil; `bad_type` for another JSON type, `nul_character` when it holds U+0000.
    static func string(_ object: OracleNode, _ name: String) throws -> String? {
        guard let value = try member(object, name) else { return nil }
        guard case .string(let string) = value else { throw Failure(reason: "bad_type:\(name)") }
        if string.holdsNUL { throw Failure(reason: "nul_character:\(name)") }
        return string.text
    }

    /// A number member as written, or nil; a boolean is never one. `bad_value` when `numeric`
    /// would refuse it.
    static func number(_ object: OracleNode, _ name: String) throws -> String? {
        guard let value = try member(object, name) else { return nil }
        guard case .number(let number) = value else { throw Failure(reason: "bad_type:\(name)") }
        guard number.fitsNumeric else { throw Failure(reason: "bad_value:\(name)") }
        return number.text
    }

    /// Whether the string's length in Unicode scalars is in the range. A UTF-8 length
    /// within the upper bound settles it without counting scalars (each takes 1...4 bytes).
    private static func hasLength(_ string: String, in range: ClosedRange<Int>) -> Bool {
        let bytes = string.utf8.count
        if bytes == 0 { return range.contains(0) }
        if bytes <= range.upperBound { return true }
        return range.contains(string.unicodeScalars.count)
    }

    private static func requiredString(_ object: OracleNode, _ name: String) throws -> String {
        guard let value = try string(object, name) else { throw Failure(reason: "missing_field:\(name)") }
        return value
    }

    /// A number's value when it is whole: written as an integer that fits `Int64`, or read as a
    /// double with no fractional part. `huge` for a whole number beyond `Int64` (a double too
    /// large to be finite counts as one); nil, not huge, for a fraction.
    static func wholeNumber(_ text: String) -> (value: Int64?, huge: Bool) {
        if !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }),
           let exact = Int64(text) { return (exact, false) }
        let double = Double(text)!
        if double.isInfinite { return (nil, true) }
        guard double == double.rounded(.towardZero) else { return (nil, false) }
        guard double >= -9.223372036854775808e18, double < 9.223372036854775808e18 else { return (nil, true) }
        return (Int64(double), false)
    }

    /// One payload field checked against its rule and turned into its column value.
    private static func column(_ payload: OracleNode, _ name: String, _ rule: OracleFieldRule) throws -> OracleValue {
        let missing = Failure(reason: "missing_field:\(name)")
        let badValue = Failure(reason: "bad_value:\(name)")
        switch rule {
        case .string(let required, let nonEmpty):
            guard let string = try string(payload, name) else { if required { throw missing }; return .null }
            if nonEmpty && string.isEmpty { throw badValue }
            return .text(string)
        case .oneOf(let allowed):
            guard let string = try string(payload, name) else { throw missing }
            guard allowed.contains(string) else { throw badValue }
            return .text(string)
        case .integer(let range):
            guard let text = try number(payload, name) else { return .null }
            let (whole, huge) = wholeNumber(text)
            if huge { throw badValue }
            guard let integer = whole else { throw Failure(reason: "bad_type:\(name)") }
            guard range.contains(integer) else { throw badValue }
            return .integer(integer)
        case .number(let required, let range):
            guard let text = try number(payload, name) else { if required { throw missing }; return .null }
            let double = Double(text)!
            guard double.isFinite, range.contains(double) else { throw badValue }
            return .double(double)
        case .stringArray:
            guard let value = try member(payload, name) else { return .null }
            guard case .array(let items) = value else { throw Failure(reason: "bad_type:\(name)") }
            var strings: [OracleString] = []
            for item in items {
                guard case .string(let string) = item else { throw Failure(reason: "bad_type:\(name)") }
                strings.append(string)
            }
            if strings.contains(where: \.holdsNUL) { throw Failure(reason: "nul_character:\(name)") }
            return .json(OracleJSON.canonical(strings.map(\.text)))
        case .timestamp:
            guard let string = try string(payload, name) else { return .null }
            guard let micros = OracleTimestamp.parse(string) else { throw Failure(reason: "bad_timestamp:\(name)") }
            return .timestamp(micros: micros)
        }
    }
}
