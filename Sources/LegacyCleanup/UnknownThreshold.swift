import Foundation

/// How many event ids of `event_ingest_dedupe` may be unknown to the event log (they may predate
/// Kafka's retention) before check 2 refuses: a count (`100`) or a fraction of the ids (`0.5%`,
/// `0.005`).
public enum UnknownThreshold: Sendable, Equatable, CustomStringConvertible {
    case count(Int64)
    case fraction(Double)

    /// `"100"` is a count, `"0.5%"` a percentage, `"0.005"` (anything with a point) a fraction.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let invalid = CleanupError(code: .invalidOption,
                                   message: "the unknown-id threshold \"\(text)\" is neither a count (100), a percentage (0.5%) nor a fraction (0.005)")
        if trimmed.hasSuffix("%") {
            guard let percent = Double(trimmed.dropLast()), percent.isFinite, (0...100).contains(percent) else { throw invalid }
            self = .fraction(percent / 100)
        } else if trimmed.contains(".") {
            guard let fraction = Double(trimmed), fraction.isFinite, (0...1).contains(fraction) else { throw invalid }
            self = .fraction(fraction)
        } else {
            guard let count = Int64(trimmed), count >= 0 else { throw invalid }
            self = .count(count)
        }
    }

    /// Whether `unknown` ids out of `total` are tolerated.
    public func allows(unknown: Int64, of total: Int64) -> Bool {
        switch self {
        case .count(let limit): return unknown <= limit
        case .fraction(let limit): return total == 0 || Double(unknown) / Double(total) <= limit
        }
    }

    public var description: String {
        switch self {
        case .count(let limit): return "\(limit) \(limit == 1 ? "id" : "ids")"
        case .fraction(let limit): return "\(Self.percent(limit)) of the ids"
        }
    }

    /// `0.5%`, with as few digits as say it exactly enough.
    static func percent(_ fraction: Double) -> String {
        var text = String(format: "%.4f", fraction * 100)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + "%"
    }
}
