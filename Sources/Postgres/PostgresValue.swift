/// One statement parameter. Values always travel as parameters (never spliced into SQL), in
/// PostgreSQL's text format except `bytes`, which go as binary `bytea` so arbitrary bytes
/// need no escaping.
///
/// Text parameters are sent with type "unknown", so the server infers the type from the
/// statement (`$1::jsonb`, a bigint column, …) exactly as if a literal had been written there.
public enum PostgresValue: Sendable, Hashable {
    case null
    case text(String)
    case bytes([UInt8])

    public init(_ value: String?) { self = value.map(PostgresValue.text) ?? .null }
    public init(_ value: Int64?) { self = value.map { .text(String($0)) } ?? .null }
    public init(_ value: Int?) { self = value.map { .text(String($0)) } ?? .null }
    public init(_ value: Int32?) { self = value.map { .text(String($0)) } ?? .null }
    /// Shortest text that reads back as the same Double; non-finite values use PostgreSQL's
    /// spellings (`Infinity`, `-Infinity`, `NaN`).
    public init(_ value: Double?) {
        guard let value else { self = .null; return }
        if value.isNaN {
            self = .text("NaN")
        } else if value.isInfinite {
            self = .text(value < 0 ? "-Infinity" : "Infinity")
        } else {
            self = .text(String(value))
        }
    }
    public init(_ value: Bool?) { self = value.map { .text($0 ? "true" : "false") } ?? .null }
    public init(bytes: [UInt8]?) { self = bytes.map(PostgresValue.bytes) ?? .null }

    public var isNull: Bool { self == .null }
}

extension PostgresValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
}

extension PostgresValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .text(String(value)) }
}

extension PostgresValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self.init(value) }
}

extension PostgresValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .text(value ? "true" : "false") }
}

extension PostgresValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension PostgresValue {
    /// `{1,2,3}`: an integer array as one text parameter (`$1::bigint[]`, `$1::integer[]`).
    public static func array(_ values: [Int64]) -> PostgresValue {
        .text("{" + values.map(String.init).joined(separator: ",") + "}")
    }

    /// `{"a","b\"c"}`: a text array as one text parameter (`$1::text[]`), every element quoted so
    /// commas, braces, quotes and backslashes in it stay part of it.
    public static func array(_ values: [String]) -> PostgresValue {
        .text("{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}")
    }
}
