extension EventGenerator {
    /// Everything that determines one event's bytes, in a few words of memory.
    ///
    /// The record value is rendered from this on demand, so a subject only keeps its last
    /// event's spec (for duplicates and equal-instant twins), never bytes. Re-rendering
    /// the same spec gives the same bytes: that is what a re-sent duplicate is.
    struct EventSpec: Sendable {
        var subject: Int32
        var type: EventType
        /// The instant in ns since the epoch, already aligned to `format`.
        var nanos: Int64
        var format: TimestampFormat
        var idHigh: UInt64
        var idLow: UInt64
        var payloadSeed: UInt64
        var decorationSeed: UInt64
        /// 0 for the original payload; 1 for a re-send that carries a different payload.
        var payloadRevision: UInt8 = 0

        init(subject: Int32, type: EventType, nanos: Int64, format: TimestampFormat, _ rng: inout Random) {
            self.subject = subject
            self.type = type
            self.nanos = nanos
            self.format = format
            idHigh = rng.next()
            idLow = rng.next()
            payloadSeed = rng.next()
            decorationSeed = rng.next()
        }

        /// The instant truncated to µs, as the contract orders events.
        var micros: Int64 { TimestampFormat.floorDiv(nanos, 1000) }

        var millis: Int64 { TimestampFormat.floorDiv(nanos, 1_000_000) }

        /// The event_id: mostly a lower-case UUIDv4, from one producer in sixteen an
        /// `evt_`-prefixed base32 id (so ties are broken between differently shaped ids too).
        var eventID: [UInt8] {
            var id: [UInt8] = []
            id.reserveCapacity(36)
            if idHigh & 0xF == 0 {
                id.append(contentsOf: "evt_".utf8)
                var bits = idLow
                for _ in 0..<12 {
                    id.append(SubjectPlan.base32[Int(bits & 31)])
                    bits >>= 5
                }
                bits = idHigh >> 4
                for _ in 0..<10 {
                    id.append(SubjectPlan.base32[Int(bits & 31)])
                    bits >>= 5
                }
                return id
            }
            let high = (idHigh & ~0xF000) | 0x4000
            let low = (idLow & ~(UInt64(0xC) << 60)) | (UInt64(0x8) << 60)
            let hex = Array("0123456789abcdef".utf8)
            for nibble in 0..<32 {
                if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 { id.append(UInt8(ascii: "-")) }
                let word = nibble < 16 ? high : low
                id.append(hex[Int(word >> UInt64(60 - 4 * (nibble % 16)) & 0xF)])
            }
            return id
        }
    }
}
