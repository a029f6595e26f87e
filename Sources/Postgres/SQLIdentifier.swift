import Display

/// A name the tool is about to create (or derive) that PostgreSQL would not keep as given.
///
/// PostgreSQL keeps at most NAMEDATALEN-1 = 63 bytes of an identifier and cuts the rest off
/// with only a NOTICE, so two long names sharing their first 63 bytes would silently become
/// one schema or table (and `<63-byte target>_backfill` would become the target itself).
/// Every name is therefore checked before anything is created, with `SQL.checkIdentifier`.
public struct IdentifierError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case empty, tooLong, containsNUL
    }

    public var code: Code
    /// What the name is for, in words: "the target schema", "the HNSW index of the embeddings table".
    public var role: String
    public var name: String
    /// How to get a name that fits, when the caller knows (which flag to shorten).
    public var hint: String?

    public init(code: Code, role: String, name: String, hint: String? = nil) {
        self.code = code
        self.role = role
        self.name = name
        self.hint = hint
    }

    public var description: String {
        let shown = Display.name(name)
        var sentence: String
        switch code {
        case .empty:
            sentence = "\(role) has an empty name, which PostgreSQL does not allow"
        case .containsNUL:
            sentence = "\(role) \(shown) contains a NUL byte, which no PostgreSQL name can hold"
        case .tooLong:
            let kept = SQL.truncatedIdentifier(name)
            sentence = "\(role) \(shown) is \(name.utf8.count) bytes long, but PostgreSQL keeps only the first \(SQL.maximumIdentifierBytes) bytes of a name and would silently make it \(Display.name(kept)), which can merge it with another name; nothing was created"
        }
        if let hint { sentence += " (\(hint))" }
        return sentence
    }
}

extension SQL {
    /// NAMEDATALEN - 1 of a default PostgreSQL build.
    public static let maximumIdentifierBytes = 63

    /// Throws `IdentifierError` unless PostgreSQL would keep `name` exactly as given: not empty,
    /// no NUL, at most 63 bytes of UTF-8. The one check every feature uses before it creates a
    /// schema, table or index, including names it derives (`<table>_quarantine`).
    public static func checkIdentifier(_ name: String, role: String, hint: String? = nil) throws {
        if name.isEmpty { throw IdentifierError(code: .empty, role: role, name: name, hint: hint) }
        if name.utf8.contains(0) { throw IdentifierError(code: .containsNUL, role: role, name: name, hint: hint) }
        if name.utf8.count > maximumIdentifierBytes { throw IdentifierError(code: .tooLong, role: role, name: name, hint: hint) }
    }

    /// What PostgreSQL would make of `name`: its first 63 bytes, cut at a character boundary
    /// as the server's own `pg_mbcliplen` does.
    public static func truncatedIdentifier(_ name: String) -> String {
        var kept = ""
        var bytes = 0
        for scalar in name.unicodeScalars {
            let size = String(scalar).utf8.count
            guard bytes + size <= maximumIdentifierBytes else { break }
            kept.unicodeScalars.append(scalar)
            bytes += size
        }
        return kept
    }
}
