import Foundation

/// Validation of one record value against the contract, yielding an event or a reason.
///
/// When several rules break, the first failing check in this order is reported:
/// 1. `oversized` (value over 1 MiB = 1,048,576 bytes), before any parsing;
/// 2. `invalid_json` (not UTF-8 JSON), then `not_an_object` (a JSON array, string, …);
/// 3. the envelope fields in the envelope table's order — `event_id`, `event_type`,
///    `occurred_at`, `subject_id`, `subject`, `source`, `payload` — each field checked
///    missing (`missing_field`), then type (`bad_type`), then value (`bad_value`,
///    `bad_timestamp`, `unknown_event_type`, `subject_mismatch`);
/// 4. the payload fields in the payload table's order, each the same way.
///
/// Readings of the contract made here (the generator avoids the debatable ones):
/// - JSON `null` is absent everywhere (`"payload": null` is `missing_field:payload`);
/// - invalid UTF-8 is `invalid_json`; a top-level array, string, number or `null` is
///   `not_an_object`; exactly 1 MiB is still fine;
/// - a string length ("1..128 chars") counts Unicode scalars; an empty `event_id` or
///   `subject_id` is `bad_value`, not missing;
/// - "integer" means a JSON number with no fractional part, as in JSON Schema: `200.5` is
///   `bad_type`, `200.0` is 200, `600` and integers beyond `Int64` are `bad_value`;
///   `word_count` above `Int32.max` (its column is `integer`) is `bad_value`;
/// - a boolean is never a number; a `tags` array with a non-string element is
///   `bad_type:tags`; an unparseable `due_at` is `bad_timestamp:due_at` (see
///   `OracleTimestamp` for the RFC 3339 forms accepted);
/// - the record key plays no part: the contract only says it carries the subject_id and
///   names no reason for a mismatch.
/// `JSONSerialization` is lenient about a trailing comma and takes the last of duplicate
/// keys; the generator produces neither.
enum OracleValidator {
    static let maxValueBytes = 1_048_576

    enum Outcome: Sendable {
        case valid(OracleEvent)
        case quarantined(String)
    }

    static func validate(_ value: [UInt8]) -> Outcome {
        if value.count > maxValueBytes { return .quarantined("oversized") }
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(value), options: [.fragmentsAllowed]) else {
            return .quarantined("invalid_json")
        }
        guard let envelope = parsed as? [String: Any] else { return .quarantined("not_an_object") }
        do {
            return .valid(try event(from: envelope))
        } catch let failure as Failure {
            return .quarantined(failure.reason)
        } catch {
            return .quarantined("invalid_json")
        }
    }

    struct Failure: Error { var reason: String }

    private static func event(from envelope: [String: Any]) throws -> OracleEvent {
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

        guard let payload = try object(envelope, "payload") else { throw Failure(reason: "missing_field:payload") }

        var fields: [OracleValue] = []
        for (name, rule) in type.payloadFields {
            fields.append(try column(payload, name, rule))
        }
        return OracleEvent(eventID: eventID, type: type, occurredAt: occurredAt, subjectID: subjectID,
                           source: source, fields: fields)
    }

    // Each lookup returns nil for a missing field or JSON `null`, and throws `bad_type`
    // for a value of another JSON type. It casts straight to the expected type and only
    // checks for `null` when that fails: casting a Swift string or dictionary to a class
    // such as `NSNull` would bridge it first, which is slow. (Only the failure paths, which
    // are rare, pay for that.)

    static func string(_ object: [String: Any], _ name: String) throws -> String? {
        guard let raw = object[name] else { return nil }
        if let string = raw as? String { return string }
        if !(raw is NSNull) { throw Failure(reason: "bad_type:\(name)") }
        return nil
    }

    /// A JSON number; a boolean is never one.
    static func number(_ object: [String: Any], _ name: String) throws -> NSNumber? {
        guard let raw = object[name] else { return nil }
        if let number = raw as? NSNumber, !OracleJSON.isBoolean(number) { return number }
        if raw is NSNull { return nil }
        throw Failure(reason: "bad_type:\(name)")
    }

    static func object(_ object: [String: Any], _ name: String) throws -> [String: Any]? {
        guard let raw = object[name] else { return nil }
        if let value = raw as? [String: Any] { return value }
        if !(raw is NSNull) { throw Failure(reason: "bad_type:\(name)") }
        return nil
    }

    static func array(_ object: [String: Any], _ name: String) throws -> [Any]? {
        guard let raw = object[name] else { return nil }
        if let value = raw as? [Any] { return value }
        if !(raw is NSNull) { throw Failure(reason: "bad_type:\(name)") }
        return nil
    }

    /// Whether the string's length in Unicode scalars is in the range. A UTF-8 length
    /// within the upper bound settles it without counting scalars (each takes 1...4 bytes).
    private static func hasLength(_ string: String, in range: ClosedRange<Int>) -> Bool {
        let bytes = string.utf8.count
        if bytes == 0 { return range.contains(0) }
        if bytes <= range.upperBound { return true }
        return range.contains(string.unicodeScalars.count)
    }

    private static func requiredString(_ object: [String: Any], _ name: String) throws -> String {
        guard let value = try string(object, name) else { throw Failure(reason: "missing_field:\(name)") }
        return value
    }

    /// One payload field checked against its rule and turned into its column value.
    private static func column(_ payload: [String: Any], _ name: String, _ rule: OracleFieldRule) throws -> OracleValue {
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
            guard let number = try number(payload, name) else { return .null }
            if OracleJSON.isHugeInteger(number) { throw badValue }
            guard let integer = OracleJSON.integerValue(number) else { throw Failure(reason: "bad_type:\(name)") }
            guard range.contains(integer) else { throw badValue }
            return .integer(integer)
        case .number(let required, let range):
            guard let number = try number(payload, name) else { if required { throw missing }; return .null }
            let double = number.doubleValue
            guard double.isFinite, range.contains(double) else { throw badValue }
            return .double(double)
        case .stringArray:
            guard let items = try array(payload, name) else { return .null }
            var strings: [String] = []
            for item in items {
                guard let string = item as? String else { throw Failure(reason: "bad_type:\(name)") }
                strings.append(string)
            }
            return .json(OracleJSON.canonical(strings))
        case .timestamp:
            guard let string = try string(payload, name) else { return .null }
            guard let micros = OracleTimestamp.parse(string) else { throw Failure(reason: "bad_timestamp:\(name)") }
            return .timestamp(micros: micros)
        }
    }
}
