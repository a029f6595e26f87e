/// Equality of two jsonb values from their text, as jsonb's `=` sees it.
///
/// jsonb prints a canonical form (keys sorted, fixed whitespace, numbers as plain decimals
/// without exponent or negative zero) except that numbers keep their scale: `1.0` and `1` are
/// equal jsonb values that print differently. So the texts are compared with each number's
/// trailing fractional zeros removed. Used by the two-database mode only when the bytes differ.
enum JSONTextEquality {
    static func equal(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        lhs == rhs || canonical(lhs) == canonical(rhs)
    }

    /// `text` with every number outside strings reduced to its shortest decimal spelling.
    static func canonical(_ text: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: "\"") {
                // Copy the string verbatim, escapes included.
                result.append(byte)
                index += 1
                while index < text.count {
                    let inner = text[index]
                    result.append(inner)
                    index += 1
                    if inner == UInt8(ascii: "\\"), index < text.count {
                        result.append(text[index])
                        index += 1
                    } else if inner == UInt8(ascii: "\"") {
                        break
                    }
                }
            } else if byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                var end = index
                while end < text.count, isNumberByte(text[end]) { end += 1 }
                result.append(contentsOf: canonicalNumber(text[index..<end]))
                index = end
            } else {
                result.append(byte)
                index += 1
            }
        }
        return result
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    /// `1.50` → `1.5`, `2.000` → `2`, `-0.0` → `0`; integers and exponent forms unchanged.
    private static func canonicalNumber(_ number: ArraySlice<UInt8>) -> [UInt8] {
        var digits = Array(number)
        guard digits.contains(UInt8(ascii: ".")), !digits.contains(UInt8(ascii: "e")), !digits.contains(UInt8(ascii: "E")) else {
            return digits
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        if digits.last == UInt8(ascii: ".") { digits.removeLast() }
        if digits == Array("-0".utf8) { return Array("0".utf8) }
        return digits
    }
}
