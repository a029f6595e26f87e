/// An instant as microseconds since 1970-01-01T00:00:00Z: PostgreSQL's `timestamptz` resolution.
///
/// The contract keeps event times to the microsecond (truncating, not rounding), so the
/// whole pipeline compares and stores this integer rather than a floating-point Date.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }
    public init(milliseconds: Int64) { self.microseconds = milliseconds * 1000 }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.microseconds < b.microseconds }

    /// Parses RFC 3339 (`2026-01-02T03:04:05.123456789+02:00`): `T` or `t`, 0 to 9 fraction
    /// digits (extra precision truncated), `Z`/`z` or a `±HH:MM` offset. Returns nil otherwise,
    /// and for an instant outside `range` once the offset is applied. Seconds may be 60 (a leap
    /// second, which RFC 3339 allows): as PostgreSQL reads it, the first second of the next minute.
    public init?(rfc3339 text: String) {
        var text = text
        guard let value = text.withUTF8({ Timestamp.parse($0) }) else { return nil }
        self = value
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        // YYYY-MM-DDTHH:MM:SS is 19 bytes; the shortest zone is one more.
        guard b.count >= 20 else { return nil }
        func digits(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for i in start..<(start + count) {
                let d = Int(b[i]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                value = value * 10 + d
            }
            return value
        }
        guard let year = digits(0, 4), b[4] == UInt8(ascii: "-"),
              let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = digits(11, 2), b[13] == UInt8(ascii: ":"),
              let minute = digits(14, 2), b[16] == UInt8(ascii: ":"),
              let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
              hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var i = 19
        var micros = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if count < 6 { micros = micros * 10 + Int(b[i] - 48) }
                count += 1
                i += 1
            }
            guard (1...9).contains(count) else { return nil }
            for _ in min(count, 6)..<6 { micros *= 10 }
        }
        guard i < b.count else { return nil }
        var offsetSeconds = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard b.count - i == 6, let oh = digits(i + 1, 2), b[i + 3] == UInt8(ascii: ":"),
                  let om = digits(i + 4, 2), oh <= 23, om <= 59
            else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        default:
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        let instant = Timestamp(microseconds: seconds * 1_000_000 + Int64(micros))
        return range.contains(instant) ? instant : nil
    }

    /// The instants an event may carry: years 0001 to 9999 in UTC. An offset can carry a text's
    /// year 9999 into 10000 (`9999-12-31T23:59:59-23:59`) or its year 0001 into year 0; such an
    /// instant has no four-digit RFC 3339 form in UTC, and PostgreSQL's text input refuses year 0,
    /// so the event is quarantined rather than stored as something no report can write back.
    public static let range = Timestamp(microseconds: -62_135_596_800_000_000)...Timestamp(microseconds: 253_402_300_799_999_999)

    /// `2026-01-02 03:04:05.123456+00`: the text form PostgreSQL reads back exactly.
    public var postgresText: String {
        let c = civil
        // Years 0…9999 (all of them in practice) are written digit by digit into one buffer: this
        // runs twice per event written, and string appends dominated the profile.
        if (0...9999).contains(c.year) {
            return String(unsafeUninitializedCapacity: 30) { buffer in
                var i = 0
                func digits(_ value: Int, _ width: Int) {
                    var v = value
                    for j in stride(from: i + width - 1, through: i, by: -1) {
                        buffer[j] = UInt8(truncatingIfNeeded: 48 + v % 10)
                        v /= 10
                    }
                    i += width
                }
                func byte(_ b: UInt8) { buffer[i] = b; i += 1 }
                digits(c.year, 4); byte(0x2D); digits(c.month, 2); byte(0x2D); digits(c.day, 2); byte(0x20)
                digits(c.hour, 2); byte(0x3A); digits(c.minute, 2); byte(0x3A); digits(c.second, 2)
                if c.micros != 0 { byte(0x2E); digits(c.micros, 6) }
                byte(0x2B); byte(0x30); byte(0x30)
                return i
            }
        }
        var s = ""
        s.reserveCapacity(32)
        func pad(_ v: Int, _ width: Int) {
            let digits = String(v)
            if digits.count < width { s += String(repeating: "0", count: width - digits.count) }
            s += digits
        }
        if c.year < 0 || c.year > 9999 { s += String(c.year) } else { pad(c.year, 4) }
        s += "-"; pad(c.month, 2); s += "-"; pad(c.day, 2); s += " "
        pad(c.hour, 2); s += ":"; pad(c.minute, 2); s += ":"; pad(c.second, 2)
        if c.micros != 0 { s += "."; pad(c.micros, 6) }
        s += "+00"
        return s
    }

    /// RFC 3339 in UTC with microseconds, for reports and JSON.
    public var description: String {
        let c = civil
        func pad(_ v: Int, _ width: Int) -> String {
            let digits = String(v)
            return digits.count < width ? String(repeating: "0", count: width - digits.count) + digits : digits
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)).\(pad(c.micros, 6))Z"
    }

    private var civil: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, micros: Int) {
        let (seconds, micros) = microseconds.floorDivided(by: 1_000_000)
        let (days, secondOfDay) = seconds.floorDivided(by: 86_400)
        let (y, m, d) = civilFromDays(Int(days))
        let sod = Int(secondOfDay)
        return (y, m, d, sod / 3600, sod / 60 % 60, sod % 60, Int(micros))
    }
}

private extension Int64 {
    func floorDivided(by d: Int64) -> (Int64, Int64) {
        let q = self / d, r = self % d
        return r < 0 ? (q - 1, r + d) : (q, r)
    }
}

private func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

private func daysInMonth(year: Int, month: Int) -> Int {
    switch month {
    case 2: return isLeap(year) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
}

// Howard Hinnant's days-from-civil algorithms: exact for the proleptic Gregorian calendar.
private func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

private func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (m <= 2 ? y + 1 : y, m, d)
}
