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
/// Readings of the contract made here: JSON `null` is absent everywhere; a string length
/// ("1..128 chars") counts Unicode scalars; an empty `event_id`/`subject_id` is
/// `bad_value`, not missing; "integer" means a JSON number with no fractional part (so
/// `200.5` is `bad_type`, `600` is `bad_value`); a boolean is never a number; a `tags`
/// array with a non-string element is `bad_type:tags`. The record key plays no part: the
/// contract only says it should equal `subject_id`, and names no reason for a mismatch.
/// `JSONSerialization` is lenient about a trailing comma and takes the last of duplicate
/// keys; the generator produces neither.
enum OracleValidator {
    static let maxValueBytes = 1_048_576

    enum Outcome {
        case valid(OracleEvent)
        case quarantined(String)
    }

    static func validate(_ value: [UInt8]) -> Outcome {
        if value.count > maxValueBytes { return .quarantined("oversized") }
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(value), options: [.fragmentsAllowed]) else {
            return .quarantined("invalid_json")
        }
        guard case .object(let envelope) = OracleJSON(parsed) else { return .quarantined("not_an_object") }
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
        guard (1...128).contains(eventID.unicodeScalars.count) else { throw Failure(reason: "bad_value:event_id") }

        let typeName = try requiredString(envelope, "event_type")
        guard let type = OracleEventType(rawValue: typeName) else { throw Failure(reason: "unknown_event_type") }

        let occurredText = try requiredString(envelope, "occurred_at")
        guard let occurredAt = OracleTimestamp.parse(occurredText) else { throw Failure(reason: "bad_timestamp:occurred_at") }

        let subjectID = try requiredString(envelope, "subject_id")
        guard (1...256).contains(subjectID.unicodeScalars.count) else { throw Failure(reason: "bad_value:subject_id") }

        if let subject = try optionalString(envelope, "subject"), subject != type.kind {
            throw Failure(reason: "subject_mismatch")
        }
        let source = try optionalString(envelope, "source")

        guard let rawPayload = present(envelope, "payload") else { throw Failure(reason: "missing_field:payload") }
        guard case .object(let payload) = OracleJSON(rawPayload) else { throw Failure(reason: "bad_type:payload") }

        var fields: [String: OracleValue] = [:]
        for (name, rule) in type.payloadFields {
            fields[name] = try column(payload, name, rule)
        }
        return OracleEvent(eventID: eventID, eventIDBytes: Array(eventID.utf8), type: type, occurredAt: occurredAt,
                           subjectID: subjectID, subjectIDBytes: Array(subjectID.utf8), source: source, fields: fields)
    }

    /// The field's value, treating JSON `null` as absent.
    private static func present(_ object: [String: Any], _ name: String) -> Any? {
        guard let value = object[name] else { return nil }
        if case .null = OracleJSON(value) { return nil }
        return value
    }

    private static func requiredString(_ object: [String: Any], _ name: String) throws -> String {
        guard let value = present(object, name) else { throw Failure(reason: "missing_field:\(name)") }
        guard case .string(let string) = OracleJSON(value) else { throw Failure(reason: "bad_type:\(name)") }
        return string
    }

    private static func optionalString(_ object: [String: Any], _ name: String) throws -> String? {
        guard let value = present(object, name) else { return nil }
        guard case .string(let string) = OracleJSON(value) else { throw Failure(reason: "bad_type:\(name)") }
        return string
    }

    /// One payload field checked against its rule and turned into its column value.
    private static func column(_ payload: [String: Any], _ name: String, _ rule: OracleFieldRule) throws -> OracleValue {
        guard let value = present(payload, name) else {
            if rule.isRequired { throw Failure(reason: "missing_field:\(name)") }
            return .null
        }
        let json = OracleJSON(value)
        let badType = Failure(reason: "bad_type:\(name)")
        let badValue = Failure(reason: "bad_value:\(name)")
        switch rule {
        case .string(_, let nonEmpty):
            guard case .string(let string) = json else { throw badType }
            if nonEmpty && string.isEmpty { throw badValue }
            return .text(string)
        case .oneOf(let allowed):
            guard case .string(let string) = json else { throw badType }
            guard allowed.contains(string) else { throw badValue }
            return .text(string)
        case .integer(let range):
            guard case .number(let number) = json else { throw badType }
            if OracleJSON.isHugeInteger(number) { throw badValue }
            guard let integer = OracleJSON.integerValue(number) else { throw badType }
            guard range.contains(integer) else { throw badValue }
            return .integer(integer)
        case .number(_, let range):
            guard case .number(let number) = json else { throw badType }
            let double = number.doubleValue
            guard double.isFinite, range.contains(double) else { throw badValue }
            return .double(double)
        case .stringArray:
            guard case .array(let items) = json else { throw badType }
            for item in items {
                guard case .string = OracleJSON(item) else { throw badType }
            }
            return .json(OracleJSON.canonical(items))
        case .timestamp:
            guard case .string(let string) = json else { throw badType }
            guard let micros = OracleTimestamp.parse(string) else { throw Failure(reason: "bad_timestamp:\(name)") }
            return .timestamp(micros: micros)
        }
    }
}
