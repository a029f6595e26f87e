/// Secrets in prose: error messages, log lines, config lines echoed back.
extension Redactor {
    /// One pass over the text: URLs of any scheme are redacted as connection strings, secret
    /// `key=value` pairs lose their value, quoted names holding `@` (and no space: a host, not
    /// a sentence) lose what precedes the last `@`; everything else is copied.
    static func redactFreeText(_ scalars: [Unicode.Scalar]) -> String {
        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let atBoundary = index == 0 || !isKeyScalar(scalars[index - 1])
            if atBoundary, schemeEnd(scalars, from: index) != nil {
                let end = tokenEnd(scalars, from: index)
                if let url = URLParts(Array(scalars[index..<end])) {
                    result.append(contentsOf: url.redacted.unicodeScalars)
                    index = end
                    continue
                }
            }
            if atBoundary, let pair = secretPair(scalars, at: index) {
                result.append(contentsOf: scalars[index..<pair.valueStart])
                result.append(contentsOf: mask.unicodeScalars)
                index = pair.valueEnd
                continue
            }
            if scalars[index] == "\"" || scalars[index] == "'", let close = closingQuote(scalars, from: index) {
                let content = Array(scalars[(index + 1)..<close])
                if let at = content.lastIndex(of: "@"), !content.contains(where: isSpace), !contains(content, "://") {
                    result.append(scalars[index])
                    result.append(contentsOf: mask.unicodeScalars)
                    result.append(contentsOf: content[at...])
                    result.append(scalars[close])
                    index = close + 1
                    continue
                }
            }
            result.append(scalars[index])
            index += 1
        }
        return String(result)
    }

    /// Letters, digits and `_ . -`: what a key (or a scheme) is made of.
    static func isKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
        isSchemeScalar(scalar) || scalar == "_"
    }

    /// A URL in prose ends at whitespace, a quote or an angle bracket.
    private static func tokenEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int {
        var index = start
        while index < scalars.count, !isSpace(scalars[index]), !["\"", "'", "`", "<", ">"].contains(scalars[index]) { index += 1 }
        return index
    }

    /// `key = value` at `start` with a secret key: where the value starts and ends (quotes
    /// included; an unclosed quote runs to the end of the text, a bare value to whitespace).
    private static func secretPair(_ scalars: [Unicode.Scalar], at start: Int) -> (valueStart: Int, valueEnd: Int)? {
        var index = start
        while index < scalars.count, isKeyScalar(scalars[index]) { index += 1 }
        guard index > start, isSecretKey(string(scalars[start..<index])) else { return nil }
        while index < scalars.count, scalars[index] == " " { index += 1 }
        guard index < scalars.count, scalars[index] == "=" else { return nil }
        index += 1
        while index < scalars.count, scalars[index] == " " { index += 1 }
        let valueStart = index
        if index < scalars.count, scalars[index] == "'" || scalars[index] == "\"" {
            return (valueStart, closingQuote(scalars, from: index).map { $0 + 1 } ?? scalars.count)
        }
        while index < scalars.count, !isSpace(scalars[index]) { index += 1 }
        return (valueStart, index)
    }

    /// The matching quote of the one at `open`, skipping backslash-escaped ones.
    private static func closingQuote(_ scalars: [Unicode.Scalar], from open: Int) -> Int? {
        var index = open + 1
        while index < scalars.count {
            if scalars[index] == "\\" { index += 2; continue }
            if scalars[index] == scalars[open] { return index }
            index += 1
        }
        return nil
    }

    private static func contains(_ scalars: [Unicode.Scalar], _ needle: String) -> Bool {
        let needle = Array(needle.unicodeScalars)
        guard scalars.count >= needle.count else { return false }
        return (0...(scalars.count - needle.count)).contains { scalars[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
