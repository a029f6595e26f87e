extension EventGenerator {
    /// Appends JSON to a byte buffer directly (no `JSONSerialization`, no intermediate
    /// strings): generating a million records must stay well under two seconds.
    ///
    /// Two producer quirks are modelled, both valid JSON: `asciiOnly` writes every
    /// non-ASCII character as `\uXXXX` (surrogate pairs beyond the BMP), and
    /// `escapeSlashes` writes `/` as `\/`.
    struct JSONWriter {
        var bytes: [UInt8] = []
        var asciiOnly = false
        var escapeSlashes = false
        /// Whether the next member of the current object needs a leading comma.
        private var needsComma = false

        init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

        mutating func raw(_ text: StaticString) {
            text.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        mutating func raw(_ data: [UInt8]) { bytes.append(contentsOf: data) }

        mutating func beginObject() {
            bytes.append(UInt8(ascii: "{"))
            needsComma = false
        }

        mutating func endObject() {
            bytes.append(UInt8(ascii: "}"))
            needsComma = true
        }

        /// Writes `,"name":` (comma only when needed).
        mutating func key(_ name: StaticString) {
            if needsComma { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            raw(name)
            raw("\":")
            needsComma = true
        }

        mutating func key(_ name: [UInt8]) {
            if needsComma { bytes.append(UInt8(ascii: ",")) }
            string(name)
            bytes.append(UInt8(ascii: ":"))
            needsComma = true
        }

        /// A nested object value: restores the comma state of the outer object afterwards.
        mutating func object(_ body: (inout JSONWriter) -> Void) {
            beginObject()
            body(&self)
            endObject()
        }

        mutating func array(_ count: Int, _ element: (inout JSONWriter, Int) -> Void) {
            bytes.append(UInt8(ascii: "["))
            for index in 0..<count {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                element(&self, index)
            }
            bytes.append(UInt8(ascii: "]"))
            needsComma = true
        }

        mutating func null() { raw("null") }

        mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

        mutating func int(_ value: Int64) {
            if value < 0 {
                bytes.append(UInt8(ascii: "-"))
                appendDigits(value.magnitude)
            } else {
                appendDigits(UInt64(value))
            }
        }

        mutating func int(_ value: Int) { int(Int64(value)) }

        /// `units / 10^scale` written exactly, e.g. (-2137, 2) → `-21.37`.
        mutating func decimal(units: Int64, scale: Int) {
            var divisor: UInt64 = 1
            for _ in 0..<scale { divisor *= 10 }
            if units < 0 { bytes.append(UInt8(ascii: "-")) }
            let magnitude = units.magnitude
            appendDigits(magnitude / divisor)
            if scale > 0 {
                bytes.append(UInt8(ascii: "."))
                appendDigits(magnitude % divisor, width: scale)
            }
        }

        /// Digits of `value`, zero-padded to `width`.
        mutating func appendDigits(_ value: UInt64, width: Int = 1) {
            var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &buffer) { digits in
                var v = value
                var count = 0
                repeat {
                    digits[23 - count] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                    count += 1
                } while v > 0
                while count < width {
                    digits[23 - count] = UInt8(ascii: "0")
                    count += 1
                }
                bytes.append(contentsOf: digits[(24 - count)...])
            }
        }

        mutating func string(_ text: String) {
            var text = text
            text.withUTF8 { string($0) }
        }

        mutating func string(_ text: [UInt8]) {
            text.withUnsafeBufferPointer { string($0) }
        }

        mutating func string(_ text: UnsafeBufferPointer<UInt8>) {
            bytes.append(UInt8(ascii: "\""))
            stringContent(text)
            bytes.append(UInt8(ascii: "\""))
        }

        /// Escaped string content (without quotes), for strings built in pieces.
        mutating func stringContent(_ text: UnsafeBufferPointer<UInt8>) {
            var index = 0
            while index < text.count {
                let byte = text[index]
                switch byte {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case UInt8(ascii: "/") where escapeSlashes: raw("\\/")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0..<0x20: unicodeEscape(UInt16(byte))
                case 0x80... where asciiOnly:
                    let (scalar, length) = Self.decodeUTF8(text, at: index)
                    if scalar >= 0x10000 {
                        let v = scalar - 0x10000
                        unicodeEscape(UInt16(0xD800 + (v >> 10)))
                        unicodeEscape(UInt16(0xDC00 + (v & 0x3FF)))
                    } else {
                        unicodeEscape(UInt16(scalar))
                    }
                    index += length
                    continue
                default: bytes.append(byte)
                }
                index += 1
            }
        }

        mutating func stringContent(_ text: [UInt8]) { text.withUnsafeBufferPointer { stringContent($0) } }

        mutating func stringContent(_ text: StaticString) {
            text.withUTF8Buffer { stringContent($0) }
        }

        private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

        private mutating func unicodeEscape(_ unit: UInt16) {
            let hex = Self.hexDigits
            raw("\\u")
            bytes.append(hex[Int(unit >> 12)])
            bytes.append(hex[Int(unit >> 8 & 0xF)])
            bytes.append(hex[Int(unit >> 4 & 0xF)])
            bytes.append(hex[Int(unit & 0xF)])
        }

        /// The scalar starting at `index` of well-formed UTF-8, and its length in bytes.
        private static func decodeUTF8(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int) {
            let lead = UInt32(text[index])
            func cont(_ offset: Int) -> UInt32 { UInt32(text[index + offset] & 0x3F) }
            switch lead {
            case 0xF0...: return ((lead & 0x07) << 18 | cont(1) << 12 | cont(2) << 6 | cont(3), 4)
            case 0xE0...: return ((lead & 0x0F) << 12 | cont(1) << 6 | cont(2), 3)
            default: return ((lead & 0x1F) << 6 | cont(1), 2)
            }
        }
    }
}
