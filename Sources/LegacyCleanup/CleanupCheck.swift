/// One of the four checks, with its outcome and the numbers it is based on.
public struct CleanupCheck: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case pass
        case fail
        /// Failed, but `--force REASON` overrode it (only the cutover check can be forced).
        case forced
    }

    /// 1…4, in the order the checks run and are printed.
    public var number: Int
    /// A stable name to branch on: `offsets`, `event_ids`, `cutover`, `dependents`.
    public var name: String
    public var status: Status
    /// One sentence with the decisive numbers.
    public var summary: String
    /// The numbers and names behind the verdict, for the JSON report.
    public var evidence: [String: Fact]
    /// Lines a person reads below the summary (partitions behind, unknown ids, dependents…).
    public var details: [String]

    public init(number: Int, name: String, status: Status, summary: String, evidence: [String: Fact] = [:], details: [String] = []) {
        self.number = number
        self.name = name
        self.status = status
        self.summary = summary
        self.evidence = evidence
        self.details = details
    }

    public var passed: Bool { status != .fail }
}

/// A JSON scalar of evidence: numbers stay numbers in the report.
public enum Fact: Sendable, Codable, Equatable, CustomStringConvertible {
    case int(Int64)
    case double(Double)
    case text(String)
    case bool(Bool)
    case list([String])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .text(value) }
        else { self = .list(try container.decode([String].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .list(let value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .text(let value): return value
        case .bool(let value): return String(value)
        case .list(let value): return value.isEmpty ? "none" : value.joined(separator: ", ")
        }
    }
}
