extension EventGenerator {
    /// Appends JSON to a raw byte buffer (no `JSONSerialization`, no intermediate strings,
    /// no per-byte array bookkeeping): a million records must take well under two seconds.
    ///
    /// The writer owns its buffer, so it cannot be copied (two copies would free it twice):
    /// `init` allocates it, and it is freed when the writer ends — by `finish()`, which
    /// consumes the writer and hands out the bytes, or when a writer is dropped unfinished.
    ///
    /// Two producer quirks are modelled, both valid JSON: `asciiOnly` writes every
    /// non-ASCII character as `\uXXXX` (surrogate pairs beyond the BMP), and
    /// `escapeSlashes` writes `/` as `\/`.
    struct JSONWriter: ~Copyable {
        private var base: UnsafeMutablePointer<UInt8>
        private var capacity: Int
        private(set) var count = 0
        var asciiOnly = false
        var escapeSlashes = false
        /// Whether the next member of the current object needs a leading comma.
        private var needsComma = false

        init(capacity: Int = 1024) {
            self.capacity = Swift.max(16, capacity)
            base = .allocate(capacity: self.capacity)
        }

        deinit { base.deallocate() }

        /// The bytes written; the writer ends here (and `deinit` frees its buffer).
        consuming func finish() -> [UInt8] {
            [UInt8](UnsafeBufferPointer(start: base, count: count))
        }

        subscript(index: Int) -> UInt8 {
            get { base[index] }
            set { base[index] = newValue }
        }

        @inline(__always)
        private mutating func reserve(_ extra: Int) {
            if count + extra > capacity { grow(to: count + extra) }
        }

        private mutating func grow(to needed: Int) {
            let newCapacity = Swift.max(needed, capacity * 2)
            let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            newBase.update(from: base, count: count)
            base.deallocate()
            base = newBase
            capacity = newCapacity
        }

        @inline(__always)
        mutating func byte(_ value: UInt8) {
            reserve(1)
            base[count] = value
            count += 1
        }

        mutating func raw(_ data: UnsafeBufferPointer<UInt8>) {
            guard let source = data.baseAddress, data.count > 0 else { return }
            reserve(data.count)
            (base + count).update(from: source, count: data.count)
            count += data.count
        }

        /// Lets `body` write up to `maximum` bytes in place; it returns how many it wrote.
        mutating func write(maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
            reserve(maximum)
            count += body(base + count)
        }

        mutating func raw(_ text: StaticString) {
            text.withUTF8Buffer { raw($0) }
        }

        mutating func raw(_ data: [UInt8]) { data.withUnsafeBufferPointer { raw($0) } }

        /// `count` copies of one byte (filler for oversized records).
        mutating func repeated(_ value: UInt8, count repeats: Int) {
            reserve(repeats)
            (base + count).initialize(repeating: value, count: repeats)
            count += repeats
        }

        mutating func beginObject() {
            byte(UInt8(ascii: "{"))
            needsComma = false
        }

        mutating func endObject() {
            byte(UInt8(ascii: "}"))
            needsComma = true
        }

        /// Writes `,"name":` (comma only when needed).
        mutating func key(_ name: StaticString) {
            reserve(name.utf8CodeUnitCount + 4)
            if needsComma { base[count] = UInt8(ascii: ","); count += 1 }
            base[count] = UInt8(ascii: "\""); count += 1
            (base + count).update(from: name.utf8Start, count: name.utf8CodeUnitCount)
            count += name.utf8CodeUnitCount
            base[count] = UInt8(ascii: "\""); base[count + 1] = UInt8(ascii: ":"); count += 2
            needsComma = true
        }

        /// A nested object value; afterwards the outer object continues with a comma.
        mutating func object(_ body: (inout JSONWriter) -> Void) {
            beginObject()
            body(&self)
            endObject()
        }

        mutating func array(_ count: Int, _ element: (inout JSONWriter, Int) -> Void) {
            byte(UInt8(ascii: "["))
            for index in 0..<count {
                if index > 0 { byte(UInt8(ascii: ",")) }
                element(&self, index)
            }
            byte(UInt8(ascii: "]"))
            needsComma = true
        }

        mutating func null() { raw("null") }

        mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

        mutating func int(_ value: Int64) {
            if value < 0 {
                byte(UInt8(ascii: "-"))
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
            if units < 0 { byte(UInt8(ascii: "-")) }
            let magnitude = units.magnitude
            appendDigits(magnitude / divisor)
            if scale > 0 {
                byte(UInt8(ascii: "."))
                appendDigits(magnitude % divisor, width: scale)
            }
        }

        /// Digits of `value`, zero-padded to `width`.
        mutating func appendDigits(_ value: UInt64, width: Int = 1) {
            var digits = 1
            var rest = value
            while rest >= 10 {
                rest /= 10
                digits += 1
            }
            let total = Swift.max(digits, width)
            reserve(total)
            rest = value
            for position in stride(from: count + total - 1, through: count, by: -1) {
                base[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            count += total
        }

        /// Exactly two digits (for dates and times).
        mutating func twoDigits(_ value: Int64) {
            reserve(2)
            base[count] = UInt8(ascii: "0") + UInt8(value / 10)
            base[count + 1] = UInt8(ascii: "0") + UInt8(value % 10)
            count += 2
        }

        mutating func string(_ text: [UInt8]) {
            text.withUnsafeBufferPointer { string($0) }
        }

        mutating func string(_ text: UnsafeBufferPointer<UInt8>) {
            byte(UInt8(ascii: "\""))
            stringContent(text)
            byte(UInt8(ascii: "\""))
        }

        /// A JSON string of a static text (known to need no escaping beyond the quirks).
        mutating func string(_ text: StaticString) {
            byte(UInt8(ascii: "\""))
            text.withUTF8Buffer { stringContent($0) }
            byte(UInt8(ascii: "\""))
        }

        /// Escaped string content (without quotes), for strings built in pieces. Runs of
        /// bytes that need no escaping are copied in one go.
        mutating func stringContent(_ text: UnsafeBufferPointer<UInt8>) {
            let quirks = escapeSlashes || asciiOnly
            var runStart = 0
            var index = 0
            while index < text.count {
                if !quirks {
                    // The common case: skip ahead over everything JSON carries as is.
                    index = Self.plain.withUnsafeBufferPointer { plain in
                        var i = index
                        while i < text.count, plain[Int(text[i])] { i += 1 }
                        return i
                    }
                    if index == text.count { break }
                }
                let byte = text[index]
                if Self.plain[Int(byte)] && (byte != UInt8(ascii: "/") || !escapeSlashes) && (byte < 0x80 || !asciiOnly) {
                    index += 1
                    continue
                }
                if runStart < index { raw(UnsafeBufferPointer(rebasing: text[runStart..<index])) }
                switch byte {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case UInt8(ascii: "/"): raw("\\/")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0..<0x20: unicodeEscape(UInt16(byte))
                default:
                    let (scalar, length) = Self.decodeUTF8(text, at: index)
                    if scalar >= 0x10000 {
                        let v = scalar - 0x10000
                        unicodeEscape(UInt16(0xD800 + (v >> 10)))
                        unicodeEscape(UInt16(0xDC00 + (v & 0x3FF)))
                    } else {
                        unicodeEscape(UInt16(scalar))
                    }
                    index += length - 1
                }
                index += 1
                runStart = index
            }
            if runStart < text.count { raw(UnsafeBufferPointer(rebasing: text[runStart...])) }
        }

        /// Bytes that JSON strings carry as they are: all but control characters, `"` and `\`.
        private static let plain: [Bool] = (0...255).map { $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }

        mutating func stringContent(_ text: [UInt8]) { text.withUnsafeBufferPointer { stringContent($0) } }

        mutating func stringContent(_ text: StaticString) {
            text.withUTF8Buffer { stringContent($0) }
        }

        private mutating func unicodeEscape(_ unit: UInt16) {
            raw("\\u")
            for shift in [12, 8, 4, 0] {
                let nibble = UInt8(unit >> UInt16(shift) & 0xF)
                byte(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
            }
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
