/// A parsed JSON value, kept small on purpose: objects are ordered member lists because
/// envelopes have a handful of fields, where a linear scan beats hashing.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// `isInteger` is true for numbers written without fraction or exponent that fit an Int64.
    case number(Double, integer: Int64?)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a, ia), .number(b, ib)): return a == b && ia == ib
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The member's value; the last one wins when a key repeats, as most JSON readers do.
    /// A JSON `null` is returned as `.null`; callers treat it as absent per the contract.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        var found: JSONValue?
        for member in members where member.key == key { found = member.value }
        return found
    }
}

extension JSONValue {
    /// Compact JSON text (no whitespace, members in their given order).
    public var serialized: String {
        var out = ""
        serialize(into: &out)
        return out
    }

    func serialize(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d, let integer):
            if let integer { out += String(integer) } else { out += d.description }
        case .string(let s): JSONValue.appendQuoted(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.serialize(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += "," }
                JSONValue.appendQuoted(member.key, to: &out)
                out += ":"
                member.value.serialize(into: &out)
            }
            out += "}"
        }
    }

    /// Appends `s` as a JSON string literal.
    public static func appendQuoted(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
