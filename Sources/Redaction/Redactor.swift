/// The one place that decides what a secret looks like and hides it: connection strings of
/// PostgreSQL (URLs and libpq key=value conninfo), any other URL an operator may paste by
/// mistake (`mysql://`, `jdbc:postgresql://…?password=`), librdkafka properties, config-file
/// lines, and free text such as libpq's and librdkafka's error messages, which may echo a
/// connection string or part of it.
///
/// It lives in a target of its own with no dependencies so that every part of the tool that
/// prints, logs or writes (Postgres, Kafka, Operations, Embeddings, the CLI) can depend on it
/// without depending on each other. When in doubt it hides too much rather than too little: a
/// message an operator reads with `***` in an odd place is a nuisance, a password in a log is
/// an incident.
///
/// Works on Unicode scalars, not Characters: libpq splits on ASCII bytes, and a delimiter
/// followed by a combining mark is a single Character that would otherwise hide the delimiter.
public enum Redactor {
    public static let mask = "***"

    // MARK: Keys

    /// True for a key whose value is a secret in any vocabulary the tool meets: libpq conninfo
    /// keywords and URL parameters (`password`, `sslpassword`), JDBC parameters, librdkafka
    /// properties (`sasl.password`, `ssl.key.password`, `sasl.oauthbearer.client.secret`,
    /// `sasl.jaas.config`, `ssl.key.pem`), and settings (`KAFKA_SASL_PASSWORD`). Case-insensitive;
    /// `-` and `_` count the same.
    public static func isSecretKey(_ key: String) -> Bool {
        let key = key.lowercased().replacingAll("-", with: "_")
        if key == "pwd" || key.hasSuffix("_pwd") || key.hasSuffix(".pwd") { return true }
        let words = ["password", "passwd", "secret", "token", "jaas", "credential", "apikey", "api_key", "private_key", "privatekey"]
        if words.contains(where: { key.contains($0) }) { return true }
        return key.hasPrefix("ssl.key") || key.hasPrefix("ssl_key") || key == "sasl.oauthbearer.config"
    }

    // MARK: Connection strings

    /// `string` (a URL of any scheme, or libpq key=value conninfo) with every secret replaced
    /// by `***`, everything else as written so an operator can still see which server and
    /// database were meant. A conninfo string that stops parsing is hidden from that point on.
    public static func connectionString(_ string: String) -> String {
        let scalars = Array(string.unicodeScalars)
        if let url = URLParts(scalars) { return url.redacted }
        return redactConninfo(scalars)
    }

    /// Every spelling of a secret that the connection string carries (as written and
    /// percent-decoded / unescaped), so that texts echoing any of them can be scrubbed with
    /// `text(_:secrets:)`.
    public static func secrets(in string: String) -> [String] {
        let scalars = Array(string.unicodeScalars)
        var found: [String] = []
        if let url = URLParts(scalars) {
            if let password = url.password {
                found.append(password)
                found.append(percentDecoded(password))
            }
            for pair in url.queryPairs where isSecretKey(percentDecoded(pair.key)) {
                found.append(pair.value)
                found.append(percentDecoded(pair.value))
            }
        } else {
            for field in parseConninfo(scalars).fields {
                if isSecretKey(field.keyword) { found.append(field.value) }
                if field.keyword == "dbname" { found += secrets(in: field.value) }
            }
        }
        return Array(Set(found.filter { !$0.isEmpty }))
    }

    // MARK: Free text

    /// `message` with every occurrence of `secrets` hidden (longest first, so a secret that
    /// contains another is hidden whole), and whatever looks like a secret hidden even when
    /// nobody named it:
    /// - the password in any `scheme://user:password@host` and secret query parameters of any
    ///   URL (`jdbc:postgresql://h/db?password=…`);
    /// - `key=value` pairs whose key is secret (`password=`, `sslpassword='…'`, `sasl.password=`);
    /// - a quoted name holding `@` (`"tPW@127.0.0.1"`): libpq splits a URL at the *first* `@`,
    ///   so a password containing one reaches its host error as the host's first part.
    ///
    /// A known secret that contains URL delimiters is also hidden piecewise (pieces of four
    /// characters or more), since libpq may quote it cut at one of them.
    public static func text(_ message: String, secrets: [String] = []) -> String {
        var pieces: [String] = []
        for secret in secrets {
            pieces.append(secret)
            let parts = secret.unicodeScalars.split(whereSeparator: { urlDelimiters.contains($0) }).map { string($0[...]) }
            if parts.count > 1 { pieces += parts.filter { $0.unicodeScalars.count >= 4 } }
        }
        var result = message
        for secret in Set(pieces).sorted(by: { $0.utf8.count > $1.utf8.count }) where !secret.isEmpty {
            result = result.replacingAll(secret, with: mask)
        }
        return redactFreeText(Array(result.unicodeScalars))
    }

    /// A `KEY=value` setting as it may be shown: the whole value for a secret key, else the
    /// value redacted as a connection string (`DATABASE_URL`'s conninfo form included) or text.
    public static func setting(key: String, value: String) -> String {
        if isSecretKey(key) { return mask }
        let scalars = Array(value.unicodeScalars)
        if URLParts(scalars) != nil || looksLikeConninfo(scalars) { return connectionString(value) }
        return text(value)
    }

    /// A line of a config or `.env` file as it may be echoed in an error: when its first word
    /// (up to a space, `=` or `:`) is a secret key, that word and `***` (the line is malformed,
    /// so nobody can tell where the value ends); otherwise `text(line)`.
    public static func configLine(_ line: String) -> String {
        var words = line.unicodeScalars.drop { isSpace($0) }
        if words.starts(with: "export ".unicodeScalars) { words = words.dropFirst("export ".unicodeScalars.count) }
        let key = String(String.UnicodeScalarView(words.prefix { !isSpace($0) && $0 != "=" && $0 != ":" }))
        if !key.isEmpty, isSecretKey(key), key.unicodeScalars.count < words.count { return key + " " + mask }
        return text(line)
    }

    static let urlDelimiters: Set<Unicode.Scalar> = ["@", ":", "/", "?", "#", "&", "="]
}

// MARK: - URLs

extension Redactor {
    /// A URL split the way that hides the most: the user-info ends at the *last* `@`, so a
    /// password with an unencoded `@`, `/` or `?` is still hidden whole (at worst a host or
    /// query is hidden with it).
    struct URLParts {
        var scheme: String          // "postgresql://", "jdbc:postgresql://", "mysql://"
        var user: String?           // user-info up to the first ':' (all of it if no ':')
        var password: String?       // between that ':' and the last '@'
        var location: String        // host, port, path
        var query: String?          // after '?', without it

        /// Nil unless `scalars` start with a scheme (`letter (letter|digit|+|-|.)*`, several
        /// joined by `:` as in `jdbc:postgresql`) followed by `://`.
        init?(_ scalars: [Unicode.Scalar]) {
            guard let schemeEnd = Redactor.schemeEnd(scalars, from: 0) else { return nil }
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
                result += user + (password == nil ? "" : ":" + Redactor.mask) + "@"
            }
            result += location
            if let query {
                result += "?" + query.unicodeScalars.split(separator: "&", omittingEmptySubsequences: false).map { pair in
                    let key = String(pair.prefix { $0 != "=" })
                    return Redactor.isSecretKey(Redactor.percentDecoded(key)) ? key + "=" + Redactor.mask : String(pair)
                }.joined(separator: "&")
            }
            return result
        }
    }

    /// Where `scheme://` ends (after the slashes) when `scalars` have one starting at `start`.
    static func schemeEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start
        while true {
            guard index < scalars.count, isLetter(scalars[index]) else { return nil }
            index += 1
            while index < scalars.count, isSchemeScalar(scalars[index]) { index += 1 }
            guard index < scalars.count, scalars[index] == ":" else { return nil }
            index += 1
            if index + 1 < scalars.count, scalars[index] == "/", scalars[index + 1] == "/" { return index + 2 }
        }
    }

    static func isLetter(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) }
    static func isSchemeScalar(_ s: Unicode.Scalar) -> Bool {
        isLetter(s) || ("0"..."9").contains(s) || s == "+" || s == "-" || s == "."
    }

    static func percentDecoded(_ string: String) -> String {
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
}

func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars)
    return String(view)
}

extension String {
    /// Every occurrence of `target` replaced, compared scalar by scalar (no Unicode
    /// normalisation, so a secret is found exactly as libpq would send it).
    func replacingAll(_ target: String, with replacement: String) -> String {
        let haystack = Array(unicodeScalars), needle = Array(target.unicodeScalars)
        guard !needle.isEmpty, haystack.count >= needle.count else { return self }
        var result = String.UnicodeScalarView()
        var index = 0
        while index < haystack.count {
            if index + needle.count <= haystack.count, haystack[index..<(index + needle.count)].elementsEqual(needle) {
                result.append(contentsOf: replacement.unicodeScalars)
                index += needle.count
            } else {
                result.append(haystack[index])
                index += 1
            }
        }
        return String(result)
    }
}
