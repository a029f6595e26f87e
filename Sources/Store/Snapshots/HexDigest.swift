import Crypto
import Foundation

extension Sequence where Element == UInt8 {
    /// Lowercase hex, as `sha256sum` prints digests.
    var lowercaseHex: String { map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
}

public enum HexDigest {
    /// SHA-256 of a small in-memory document (`schema.sql`).
    public static func sha256(_ data: Data) -> String { SHA256.hash(data: data).lowercaseHex }
}
