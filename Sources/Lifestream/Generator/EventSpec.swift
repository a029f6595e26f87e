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
            [UInt8](unsafeUninitializedCapacity: 36) { buffer, count in count = writeEventID(to: buffer.baseAddress!) }
        }

        /// Writes the event_id's bytes (at most 36, all ASCII) and returns how many.
        func writeEventID(to id: UnsafeMutablePointer<UInt8>) -> Int {
            if idHigh & 0xF == 0 {
                let alphabet = SubjectPlan.base32
                id[0] = UInt8(ascii: "e"); id[1] = UInt8(ascii: "v"); id[2] = UInt8(ascii: "t"); id[3] = UInt8(ascii: "_")
                var bits = idLow
                for index in 4..<16 {
                    id[index] = alphabet[Int(bits & 31)]
                    bits >>= 5
                }
                bits = idHigh >> 4
                for index in 16..<26 {
                    id[index] = alphabet[Int(bits & 31)]
                    bits >>= 5
                }
                return 26
            }
            let high = (idHigh & ~0xF000) | 0x4000
            let low = (idLow & ~(UInt64(0xC) << 60)) | (UInt64(0x8) << 60)
            /// Writes `nibbles` hex digits of `word`, starting at its `first` nibble.
            func hex(_ word: UInt64, first: Int, nibbles: Int, at offset: Int) {
                for k in 0..<nibbles {
                    let digit = UInt8(truncatingIfNeeded: word &>> UInt64(60 - 4 * (first + k))) & 0xF
                    id[offset + k] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
                }
            }
            hex(high, first: 0, nibbles: 8, at: 0)
            id[8] = UInt8(ascii: "-")
            hex(high, first: 8, nibbles: 4, at: 9)
            id[13] = UInt8(ascii: "-")
            hex(high, first: 12, nibbles: 4, at: 14)
            id[18] = UInt8(ascii: "-")
            hex(low, first: 0, nibbles: 4, at: 19)
            id[23] = UInt8(ascii: "-")
            hex(low, first: 4, nibbles: 12, at: 24)
            return 36
        }
    }
}
