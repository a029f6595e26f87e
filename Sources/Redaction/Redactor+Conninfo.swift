/// libpq's key=value form: `host=h user=app password='sec ret'`.
extension Redactor {
    struct ConninfoField {
        var keyword: String
        /// Unescaped value.
        var value: String
        /// Where the value is written in the scalars, quotes included.
        var valueRange: Range<Int>
    }

    /// libpq's `isspace`: ASCII whitespace only.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{0B}" || scalar == "\u{0C}"
    }

    /// Parses like libpq's `conninfo_parse`: `keyword = value`, values either bare (backslash
    /// escapes, ends at whitespace) or single-quoted (backslash escapes). `failedAt` is where
    /// parsing stopped when the string is malformed.
    static func parseConninfo(_ scalars: [Unicode.Scalar]) -> (fields: [ConninfoField], failedAt: Int?) {
        var fields: [ConninfoField] = []
        var index = 0
        func skipSpace() { while index < scalars.count, isSpace(scalars[index]) { index += 1 } }
        while true {
            skipSpace()
            if index == scalars.count { return (fields, nil) }
            let fieldStart = index
            while index < scalars.count, !isSpace(scalars[index]), scalars[index] != "=" { index += 1 }
            let keyword = string(scalars[fieldStart..<index])
            skipSpace()
            guard index < scalars.count, scalars[index] == "=" else { return (fields, fieldStart) }
            index += 1
            skipSpace()
            let valueStart = index
            var value = String.UnicodeScalarView()
            let quoted = index < scalars.count && scalars[index] == "'"
            if quoted { index += 1 }
            var closed = !quoted
            while index < scalars.count {
                let scalar = scalars[index]
                index += 1
                if scalar == "\\", index < scalars.count {
                    value.append(scalars[index])
                    index += 1
                } else if quoted, scalar == "'" {
                    closed = true
                    break
                } else if !quoted, isSpace(scalar) {
                    index -= 1
                    break
                } else {
                    value.append(scalar)
                }
            }
            guard closed else { return (fields, fieldStart) }
            fields.append(ConninfoField(keyword: keyword, value: String(value), valueRange: valueStart..<index))
        }
    }

    /// True when the text parses as conninfo with at least one field (a URL never does: its
    /// first "keyword" would hold `://`).
    static func looksLikeConninfo(_ scalars: [Unicode.Scalar]) -> Bool {
        let parsed = parseConninfo(scalars)
        return !parsed.fields.isEmpty
    }

    /// Rewrites secret values (and the secrets inside a URL-valued dbname) in place. Anything
    /// after a syntax error is hidden whole: we cannot tell where a password ends.
    static func redactConninfo(_ scalars: [Unicode.Scalar]) -> String {
        let (fields, failedAt) = parseConninfo(scalars)
        var result = ""
        var copiedUpTo = 0
        for field in fields {
            let replacement: String
            if isSecretKey(field.keyword) {
                replacement = mask
            } else if field.keyword == "dbname", let url = URLParts(Array(field.value.unicodeScalars)) {
                let quoted = scalars[field.valueRange.lowerBound] == "'"
                replacement = quoted ? "'" + url.redacted + "'" : url.redacted
            } else {
                continue
            }
            result += string(scalars[copiedUpTo..<field.valueRange.lowerBound]) + replacement
            copiedUpTo = field.valueRange.upperBound
        }
        if let failedAt {
            result += string(scalars[copiedUpTo..<failedAt]) + mask
        } else {
            result += string(scalars[copiedUpTo...])
        }
        return result
    }
}
