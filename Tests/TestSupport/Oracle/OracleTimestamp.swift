/// RFC 3339 timestamps as the contract reads them, written independently of the tool.
///
/// Accepted: `YYYY-MM-DDTHH:MM:SS[.f…]` followed by `Z` or `±HH:MM`, with 0..9 fraction
/// digits (the contract's limit; RFC 3339 itself allows more). `T` and `Z` may be lower
/// case, as RFC 3339 permits. Seconds may be 60 (a leap second, as in RFC 3339); it simply
/// counts on into the next minute, as PostgreSQL does. The instant, once the offset is
/// applied, must lie in years 0001 to 9999 of UTC: PostgreSQL's text form refuses year 0 and
/// an RFC 3339 UTC form has four digits, so `9999-12-31T23:59:59-01:00` (year 10000 in UTC)
/// is rejected while `0000-12-31T23:30:00-01:00` (0001-01-01T00:30Z) is not. The value is
/// kept to the microsecond by dropping digits 7..9 of the fraction (truncation, never rounding).
enum OracleTimestamp {
    /// Microseconds since the epoch, or nil when the text is not such a timestamp.
    static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// Reads the text left to right; each step either consumes what it expects or fails.
    private struct Reader {
        let b: UnsafeBufferPointer<UInt8>
        var i = 0

        mutating func digits(_ count: Int) -> Int? {
            guard i + count <= b.count else { return nil }
            var value = 0
            for _ in 0..<count {
                let c = b[i]
                guard c >= 0x30, c <= 0x39 else { return nil }
                value = value * 10 + Int(c - 0x30)
                i += 1
            }
            return value
        }

        mutating func literal(_ one: UInt8, or other: UInt8 = 0) -> Bool {
            guard i < b.count, b[i] == one || (other != 0 && b[i] == other) else { return false }
            i += 1
            return true
        }

        var atEnd: Bool { i == b.count }
    }

    private static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var r = Reader(b: bytes)
        let dash = UInt8(ascii: "-"), colon = UInt8(ascii: ":")
        guard let year = r.digits(4), r.literal(dash), let month = r.digits(2), r.literal(dash),
              let day = r.digits(2), r.literal(UInt8(ascii: "T"), or: UInt8(ascii: "t")),
              let hour = r.digits(2), r.literal(colon), let minute = r.digits(2), r.literal(colon),
              let second = r.digits(2) else { return nil }
        var fractionMicros = 0
        if r.literal(UInt8(ascii: ".")) {
            var count = 0
            while r.i < bytes.count, bytes[r.i] >= 0x30, bytes[r.i] <= 0x39 {
                if count < 6 { fractionMicros = fractionMicros * 10 + Int(bytes[r.i] - 0x30) }
                count += 1
                r.i += 1
            }
            guard count >= 1, count <= 9 else { return nil }
            for _ in count..<max(count, 6) { fractionMicros *= 10 }
        }
        var offsetSeconds = 0
        if !r.literal(UInt8(ascii: "Z"), or: UInt8(ascii: "z")) {
            let negative = r.literal(dash)
            guard negative || r.literal(UInt8(ascii: "+")) else { return nil }
            guard let offsetHour = r.digits(2), r.literal(colon), let offsetMinute = r.digits(2),
                  offsetHour <= 23, offsetMinute <= 59 else { return nil }
            offsetSeconds = (negative ? -1 : 1) * (offsetHour * 3600 + offsetMinute * 60)
        }
        guard r.atEnd else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        let micros = seconds * 1_000_000 + Int64(fractionMicros)
        return earliest <= micros && micros < endOfYear9999 ? micros : nil
    }

    /// 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z in microseconds.
    private static let earliest = Int64(daysSinceEpoch(year: 1, month: 1, day: 1)) * 86_400_000_000
    private static let endOfYear9999 = Int64(daysSinceEpoch(year: 10_000, month: 1, day: 1)) * 86_400_000_000

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, for messages and descriptions.
    static func render(micros: Int64) -> String {
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = micros - seconds * 1_000_000
        var days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        var year = 1970
        while days < 0 { year -= 1; days += Int64(daysIn(year: year)) }
        while days >= Int64(daysIn(year: year)) { days -= Int64(daysIn(year: year)); year += 1 }
        var month = 1
        while days >= Int64(daysIn(month: month, year: year)) { days -= Int64(daysIn(month: month, year: year)); month += 1 }
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(Int64(year), 4))-\(pad(Int64(month), 2))-\(pad(days + 1, 2))T"
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
            + ".\(pad(fraction, 6))Z"
    }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(year: Int) -> Int { isLeap(year) ? 366 : 365 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date (year >= 0; year 0 is a leap year).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
        func daysBeforeYear(_ y: Int) -> Int {
            let p = y - 1
            return 365 * p + floorDiv(p, 4) - floorDiv(p, 100) + floorDiv(p, 400)
        }
        var days = daysBeforeYear(year) - daysBeforeYear(1970)
        for m in 1..<month { days += daysIn(month: m, year: year) }
        return days + day - 1
    }
}
