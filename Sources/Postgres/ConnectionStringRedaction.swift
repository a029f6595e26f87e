/// Hides passwords in connection strings before they reach a description, an error or a log.
///
/// libpq accepts two forms, and both can carry a password: URLs
/// (`postgresql://user:secret@host/db?password=secret`) and key=value conninfo
/// (`host=h password='sec ret'`). Redaction keeps everything else as written so an operator
/// can still see which server and database were meant. When in doubt it hides too much rather
/// than too little.
///
/// Works on Unicode scalars, not Characters: libpq splits on ASCII bytes, and a delimiter
/// followed by a combining mark is a single Character that would otherwise hide the delimiter.
enum ConnectionStringRedaction {
    static let mask = "***"

    static func isURL(_ string: String) -> Bool {
        string.hasPrefix("postgresql://") || string.hasPrefix("postgres://")
    }

    /// `string` with every password replaced by `***`.
    static func redact(_ string: String) -> String {
        isURL(string) ? redactURL(string) : redactConninfo(string)
    }

    /// Every spelling of a password that `string` carries (as written and percent-decoded /
    /// unescaped), so that messages echoing any of them can be scrubbed.
    static func passwords(in string: String) -> [String] {
        var found: [String] = []
        if isURL(string) {
            let url = URLParts(string)
            if let password = url.password {
                found.append(password)
                found.append(percentDecoded(password))
            }
            for (key, value) in url.queryPairs where percentDecoded(key) == "password" {
                found.append(value)
                found.append(percentDecoded(value))
            }
        } else {
            for field in parseConninfo(Array(string.unicodeScalars)).fields {
                if field.keyword == "password" { found.append(field.value) }
                if field.keyword == "dbname", isURL(field.value) { found += passwords(in: field.value) }
            }
        }
        return Array(Set(found.filter { !$0.isEmpty }))
    }

    /// `message` with every occurrence of any of `secrets` replaced by `***`; longest first, so
    /// a password that contains another is hidden whole.
    static func scrub(_ message: String, secrets: [String]) -> String {
        var result = message
        for secret in secrets.sorted(by: { $0.utf8.count > $1.utf8.count }) where !secret.isEmpty {
            result = result.replacingAll(secret, with: mask)
        }
        return result
    }

    // MARK: URL form

    /// A URL split the way that hides the most: the user-info ends at the *last* `@`, so a
    /// password with an unencoded `@`, `/` or `?` is still hidden whole (at worst a host or
    /// query is hidden with it).
    private struct URLParts {
        var scheme: String          // "postgresql://"
        var user: String?           // user-info up to the first ':' (all of it if no ':')
        var password: String?       // between that ':' and the last '@'
        var location: String        // host, port, path
        var query: String?          // after '?', without it

        init(_ url: String) {
            let scalars = Array(url.unicodeScalars)
            let schemeEnd = (url.hasPrefix("postgresql://") ? "postgresql://" : "postgres://").unicodeScalars.count
            scheme = string(scalars[0..<schemeEnd])
            var rest = scalars[schemeEnd...]
            if let at = rest.lastIndex(of: "@") {
                let userInfo = rest[rest.startIndex..<at]
                if let colon = userInfo.firstIndex(of: ":") {
                    user = string(userInfo[userInfo.startIndex..<colon])
                    password = string(userInfo[(colon + 1)...])
                } else {
                    user = string(userInfo)
                }
                rest = rest[(at + 1)...]
            }
            if let question = rest.firstIndex(of: "?") {
                location = string(rest[rest.startIndex..<question])
                query = string(rest[(question + 1)...])
            } else {
                location = string(rest)
            }
        }

        var queryPairs: [(key: String, value: String)] {
            guard let query else { return [] }
            return query.unicodeScalars.split(separator: "&", omittingEmptySubsequences: false).map { pair in
                guard let equals = pair.firstIndex(of: "=") else { return (String(pair), "") }
                return (String(pair[pair.startIndex..<equals]), String(pair[pair.index(after: equals)...]))
            }
        }

        var redacted: String {
            var result = scheme
            if let user {
                result += user + (password == nil ? "" : ":" + mask) + "@"
            }
            result += location
            if let query {
                result += "?" + query.unicodeScalars.split(separator: "&", omittingEmptySubsequences: false).map { pair in
                    let key = String(pair.prefix { $0 != "=" })
                    return percentDecoded(key) == "password" ? key + "=" + mask : String(pair)
                }.joined(separator: "&")
            }
            return result
        }
    }

    private static func redactURL(_ url: String) -> String { URLParts(url).redacted }

    private static func percentDecoded(_ string: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(string.utf8)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
               let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    // MARK: key=value form

    struct ConninfoField {
        var keyword: String
        /// Unescaped value.
        var value: String
        /// Where the value is written in the scalars, quotes included.
        var valueRange: Range<Int>
    }

    /// libpq's `isspace`: ASCII whitespace only.
    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
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

    /// Rewrites the password value (and the password inside a URL-valued dbname) in place.
    /// Anything after a syntax error is hidden whole: we cannot tell where a password ends.
    private static func redactConninfo(_ conninfo: String) -> String {
        let scalars = Array(conninfo.unicodeScalars)
        let (fields, failedAt) = parseConninfo(scalars)
        var result = ""
        var copiedUpTo = 0
        for field in fields {
            let replacement: String
            if field.keyword == "password" {
                replacement = mask
            } else if field.keyword == "dbname", isURL(field.value) {
                let quoted = scalars[field.valueRange.lowerBound] == "'"
                replacement = quoted ? "'" + redactURL(field.value) + "'" : redactURL(field.value)
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

private func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars)
    return String(view)
}
