/// Quoting for the few places where a name or literal has to be part of the SQL text itself
/// (schema and table names, DDL that cannot take parameters). Values in ordinary statements go
/// as parameters instead.
public enum SQL {
    /// `name` as a double-quoted identifier, embedded quotes doubled: `a"b` → `"a""b"`.
    /// Always quotes, so case and reserved words survive exactly as given.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    /// `schema.name` with both parts quoted.
    public static func qualifiedName(_ schema: String, _ name: String) -> String {
        quoteIdentifier(schema) + "." + quoteIdentifier(name)
    }

    /// `value` as a string literal for DDL that cannot take parameters (COMMENT ON, defaults).
    /// Quotes are doubled; if there is a backslash the `E'…'` form is used with backslashes
    /// doubled, which reads the same whatever `standard_conforming_strings` says.
    public static func quoteLiteral(_ value: String) -> String {
        let quoted = value.replacingAll("'", with: "''")
        if value.utf8.contains(UInt8(ascii: "\\")) {
            return "E'" + quoted.replacingAll("\\", with: "\\\\") + "'"
        }
        return "'" + quoted + "'"
    }
}

extension String {
    /// Replaces every occurrence of `target`, comparing UTF-8 bytes rather than Characters:
    /// a quote followed by a combining mark is one Character but still a quote to the SQL lexer,
    /// so Character-level matching would let it slip through unescaped.
    func replacingAll(_ target: String, with replacement: String) -> String {
        let needle = Array(target.utf8)
        guard let first = needle.first else { return self }
        let haystack = Array(utf8)
        var result: [UInt8] = []
        result.reserveCapacity(haystack.count)
        var index = 0
        while index < haystack.count {
            if haystack[index] == first, index + needle.count <= haystack.count,
               haystack[index..<index + needle.count].elementsEqual(needle) {
                result.append(contentsOf: replacement.utf8)
                index += needle.count
            } else {
                result.append(haystack[index])
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
