/// How a verdict rule compares one column, and the comparison itself.
///
/// It works on the text both diff modes already select (`DiffColumn.selectExpression` under
/// `SessionSettings`: shortest exact floats, numerics without trailing zeros, UTC ISO
/// timestamps), and it runs in Swift in both modes — the same-database query only returns the
/// two values of a differing ruled column — so one piece of code decides, and the modes agree
/// to the last bit, at the boundary of a tolerance too.
public enum ColumnComparison: Sendable, Equatable {
    /// Differences in the column are accepted.
    case ignore
    /// Numbers that differ by at most the tolerance are accepted.
    case tolerance(Tolerance)
    /// Timestamps equal once both are truncated to the unit are accepted.
    case precision(Precision)

    /// `|a − b| ≤ max(absolute, relative × max(|a|, |b|))`, as Python's `math.isclose`: symmetric,
    /// so it does not matter which side is live. Values are compared as IEEE doubles (numerics
    /// too, as PostgreSQL's `::float8` would); NULL against a number is never within.
    public struct Tolerance: Sendable, Equatable {
        public var absolute: Double?
        public var relative: Double?
        /// As written in the rules file, for reports.
        public var absoluteText: String?
        public var relativeText: String?

        public init(absolute: Double?, relative: Double?, absoluteText: String? = nil, relativeText: String? = nil) {
            self.absolute = absolute
            self.relative = relative
            self.absoluteText = absoluteText ?? absolute.map { "\($0)" }
            self.relativeText = relativeText ?? relative.map { "\($0)" }
        }

        public func accepts(_ left: Double, _ right: Double) -> Bool {
            if left == right { return true }
            let difference = abs(left - right)
            guard difference.isFinite else { return false }
            let allowed = max(absolute ?? 0, (relative ?? 0) * max(abs(left), abs(right)))
            return difference <= allowed
        }
    }

    /// Both timestamps truncated to the unit (like `date_trunc`) before comparing.
    public enum Precision: String, Sendable, CaseIterable {
        case seconds, milliseconds

        /// Fraction digits kept.
        var digits: Int { self == .seconds ? 0 : 3 }
    }

    public var kind: String {
        switch self {
        case .ignore: "ignore"
        case .tolerance: "tolerance"
        case .precision: "precision"
        }
    }

    /// In words, for reports: `ignored`, `within 1e-9 absolute or 1e-12 relative`, `to the millisecond`.
    public var phrase: String {
        switch self {
        case .ignore: "ignored"
        case .tolerance(let tolerance):
            "within " + [tolerance.absoluteText.map { "\($0) absolute" }, tolerance.relativeText.map { "\($0) relative" }]
                .compactMap { $0 }.joined(separator: " or ")
        case .precision(let unit): unit == .seconds ? "to the second" : "to the millisecond"
        }
    }

    /// Whether two values of a changed column (their text; nil is NULL) are accepted.
    public func accepts(_ left: [UInt8]?, _ right: [UInt8]?) -> Bool {
        switch self {
        case .ignore:
            return true
        case .tolerance(let tolerance):
            guard let left = left.flatMap(Self.number), let right = right.flatMap(Self.number) else { return false }
            return tolerance.accepts(left, right)
        case .precision(let unit):
            guard let left, let right else { return false }
            return Self.truncated(left, digits: unit.digits) == Self.truncated(right, digits: unit.digits)
        }
    }

    /// A number as PostgreSQL prints it (integers, numerics, shortest exact floats, `Infinity`,
    /// `-Infinity`, `NaN`); nil for anything else.
    static func number(_ text: [UInt8]) -> Double? {
        switch text {
        case Array("Infinity".utf8): return .infinity
        case Array("-Infinity".utf8): return -.infinity
        case Array("NaN".utf8): return .nan
        default:
            guard let first = text.first, first == UInt8(ascii: "-") || first == UInt8(ascii: ".") || (0x30...0x39).contains(first) else {
                return nil
            }
            return Double(String(decoding: text, as: UTF8.self))
        }
    }

    /// An ISO timestamp (`2024-01-01 00:00:00.123456+00`, `… BC`) with its fraction of a second
    /// cut to `digits` (and padded with zeros). Text of another shape (`infinity`) is returned
    /// as it is, so it only equals itself.
    static func truncated(_ text: [UInt8], digits: Int) -> [UInt8] {
        guard let space = text.firstIndex(of: UInt8(ascii: " ")) else { return text }
        let secondsEnd = space + 9  // " HH:MM:SS"
        guard secondsEnd <= text.count, text[space + 3] == UInt8(ascii: ":"), text[space + 6] == UInt8(ascii: ":") else { return text }
        var fraction: ArraySlice<UInt8> = []
        var suffixStart = secondsEnd
        if secondsEnd < text.count, text[secondsEnd] == UInt8(ascii: ".") {
            suffixStart = secondsEnd + 1
            while suffixStart < text.count, (0x30...0x39).contains(text[suffixStart]) { suffixStart += 1 }
            fraction = text[(secondsEnd + 1)..<suffixStart]
        }
        var result = Array(text[..<secondsEnd])
        if digits > 0 {
            result.append(UInt8(ascii: "."))
            let kept = fraction.prefix(digits)
            result.append(contentsOf: kept)
            result.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits - kept.count))
        }
        result.append(contentsOf: text[suffixStart...])
        return result
    }
}
