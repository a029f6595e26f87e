import Foundation

/// One column value of the canonical state, in a form every side of a comparison can produce.
///
/// The conventions follow the column types of the contract: `timestamptz` is microseconds
/// since the epoch (UTC), `text` is `.text`, `integer` is `.integer`, `double precision` is
/// `.double`, and `jsonb` is its canonical text (object keys sorted, no whitespace). SQL
/// NULL is `.null`; a row always carries every column of its table.
public enum OracleValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case text(String)
    case integer(Int64)
    case double(Double)
    /// Microseconds since 1970-01-01T00:00:00Z.
    case timestamp(micros: Int64)
    /// Canonical JSON: object keys sorted by their UTF-8 bytes, no whitespace.
    case json(String)

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .text(let text): return "'\(text)'"
        case .integer(let value): return String(value)
        case .double(let value): return String(value)
        case .timestamp(let micros): return OracleTimestamp.render(micros: micros)
        case .json(let text): return "json:\(text)"
        }
    }
}
