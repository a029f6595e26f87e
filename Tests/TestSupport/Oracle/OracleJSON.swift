import Foundation

/// A JSON value from `JSONSerialization`, told apart the way the contract needs.
///
/// `JSONSerialization` hands back every number and boolean as `NSNumber`, and `0`/`1`
/// even answer `is Bool`; only the boolean instances report the Objective-C type `c`, which
/// JSON numbers never do. Integers come back with an integer type, numbers written with a
/// fraction or exponent come back as doubles (so `200.0` is a double here).
enum OracleJSON {
    case null
    case bool(Bool)
    case number(NSNumber)
    case string(String)
    case array([Any])
    case object([String: Any])

    init(_ value: Any) {
        // Collections first: casting a Swift dictionary to `NSNumber` would bridge it whole.
        if value is NSNull {
            self = .null
        } else if let string = value as? String {
            self = .string(string)
        } else if let object = value as? [String: Any] {
            self = .object(object)
        } else if let array = value as? [Any] {
            self = .array(array)
        } else if let number = value as? NSNumber {
            self = OracleJSON.isBoolean(number) ? .bool(number.boolValue) : .number(number)
        } else {
            self = .null
        }
    }

    /// True for JSON `true`/`false`: the only `NSNumber`s of Objective-C type `c` (or `B`).
    static func isBoolean(_ number: NSNumber) -> Bool {
        let type = number.objCType.pointee
        return type == UInt8(ascii: "c") || type == UInt8(ascii: "B")
    }

    /// The number's value when it is a whole number that fits `Int64`, else nil.
    ///
    /// The contract's "integer" is read as JSON Schema reads it: a number with no fractional
    /// part. So `200.5` is not an integer (`bad_type`), while `200.0` would be 200; a whole
    /// number beyond `Int64` is an integer out of range (`bad_value`), reported via `hugeInteger`.
    static func integerValue(_ number: NSNumber) -> Int64? {
        switch Character(Unicode.Scalar(UInt8(bitPattern: number.objCType.pointee))) {
        case "d", "f":
            let double = number.doubleValue
            guard double.isFinite, double == double.rounded(.towardZero),
                  double >= -9.223372036854775808e18, double < 9.223372036854775808e18 else { return nil }
            return Int64(double)
        case "Q":
            return number.uint64Value <= UInt64(Int64.max) ? Int64(number.uint64Value) : nil
        default:
            return number.int64Value
        }
    }

    /// True when the number is whole but too large for `Int64` (so: an integer out of range).
    static func isHugeInteger(_ number: NSNumber) -> Bool {
        let type = Character(Unicode.Scalar(UInt8(bitPattern: number.objCType.pointee)))
        if type == "Q" { return number.uint64Value > UInt64(Int64.max) }
        if type == "d" || type == "f" {
            let double = number.doubleValue
            return double.isFinite && double == double.rounded(.towardZero) && abs(double) >= 9.223372036854775808e18
        }
        return false
    }

    /// Canonical JSON text: object keys sorted by UTF-8 bytes, no whitespace, strings with
    /// only `"`, `\` and control characters escaped (`\n`-style where JSON has one, else
    /// `\u00xx` in lower-case hex), everything else — `/` and non-ASCII included — literal.
    static func canonical(_ value: Any) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    private static func write(_ value: Any, into out: inout String) {
        switch OracleJSON(value) {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(let number):
            if let integer = integerValue(number), number.objCType.pointee != UInt8(ascii: "d") {
                out += String(integer)
            } else {
                out += String(number.doubleValue)
            }
        case .string(let string): writeString(string, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            let keys = object.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                write(object[key]!, into: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ string: String, into out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
