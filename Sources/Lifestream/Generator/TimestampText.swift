extension EventGenerator {
    /// How one producer writes an RFC 3339 instant: fraction digits and UTC offset.
    ///
    /// The instant itself is kept in nanoseconds, already aligned to what the format can
    /// express (no fraction → whole seconds, 3 digits → ms, …), so rendering never loses
    /// information; with 9 digits the contract's truncation to µs is what the tool must do.
    struct TimestampFormat: Sendable, Equatable {
        var fractionDigits: Int
        /// 0 renders as `Z`.
        var offsetMinutes: Int

        static func random(_ rng: inout Random) -> TimestampFormat {
            let roll = rng.below(100)
            let digits = roll < 10 ? 0 : roll < 55 ? 3 : roll < 85 ? 6 : 9
            let offsetRoll = rng.below(100)
            let offset = offsetRoll < 65 ? 0 : offsetRoll < 85 ? 120 : offsetRoll < 95 ? -300 : 330
            return TimestampFormat(fractionDigits: digits, offsetMinutes: offset)
        }

        /// The smallest instant >= `millis` (ms) this format can express, with random sub-ms
        /// digits where the format has them.
        func align(millis: Int64, _ rng: inout Random) -> Int64 {
            switch fractionDigits {
            case 0: return Self.ceilDiv(millis, 1000) * 1_000_000_000
            case 3: return millis * 1_000_000
            case 6: return millis * 1_000_000 + Int64(rng.below(1000)) * 1000
            default: return millis * 1_000_000 + Int64(rng.below(1_000_000))
            }
        }

        @inline(__always)
        static func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 { floorDiv(a + b - 1, b) }

        @inline(__always)
        static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

        /// Writes the instant (ns since the epoch) as string content, without quotes.
        func write(nanos: Int64, into w: inout JSONWriter) {
            let local = nanos + Int64(offsetMinutes) * 60_000_000_000
            let seconds = Self.floorDiv(local, 1_000_000_000)
            let fraction = local - seconds * 1_000_000_000
            let days = Self.floorDiv(seconds, 86_400)
            let secondOfDay = seconds - days * 86_400
            let (year, month, day) = Self.civil(fromDays: days)
            w.appendDigits(UInt64(year), width: 4)
            w.byte(UInt8(ascii: "-"))
            w.twoDigits(month)
            w.byte(UInt8(ascii: "-"))
            w.twoDigits(day)
            w.byte(UInt8(ascii: "T"))
            w.twoDigits(secondOfDay / 3600)
            w.byte(UInt8(ascii: ":"))
            w.twoDigits(secondOfDay / 60 % 60)
            w.byte(UInt8(ascii: ":"))
            w.twoDigits(secondOfDay % 60)
            if fractionDigits > 0 {
                w.byte(UInt8(ascii: "."))
                var divisor: Int64 = 1
                for _ in fractionDigits..<9 { divisor *= 10 }
                w.appendDigits(UInt64(fraction / divisor), width: fractionDigits)
            }
            if offsetMinutes == 0 {
                w.byte(UInt8(ascii: "Z"))
            } else {
                w.byte(offsetMinutes < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                w.twoDigits(Int64(abs(offsetMinutes) / 60))
                w.byte(UInt8(ascii: ":"))
                w.twoDigits(Int64(abs(offsetMinutes) % 60))
            }
        }

        /// Proleptic Gregorian date of a day number (days since 1970-01-01), after Howard
        /// Hinnant's `civil_from_days`.
        static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
            let z = days + 719_468
            let era = floorDiv(z, 146_097)
            let doe = z - era * 146_097
            let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
            let mp = (5 * doy + 2) / 153
            let day = doy - (153 * mp + 2) / 5 + 1
            let month = mp < 10 ? mp + 3 : mp - 9
            return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
        }
    }
}
