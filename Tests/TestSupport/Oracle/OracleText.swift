import Foundation

/// Text compared the way the contract and PostgreSQL compare it: by UTF-8 bytes.
///
/// Swift's `String` equality and hashing follow Unicode canonical equivalence, so two
/// different byte sequences (say a precomposed and a decomposed "é") would be one key.
/// Here they are two, and order is the bytes' lexicographic order.
struct OracleText: Hashable, Comparable, Sendable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (a: OracleText, b: OracleText) -> Bool { compare(a, b) == 0 }

    static func < (a: OracleText, b: OracleText) -> Bool { compare(a, b) < 0 }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// memcmp over the common prefix, then the shorter one first.
    private static func compare(_ a: OracleText, _ b: OracleText) -> Int {
        var left = a.text, right = b.text
        return left.withUTF8 { l in
            right.withUTF8 { r in
                let common = min(l.count, r.count)
                let order = common == 0 ? 0 : Int(memcmp(l.baseAddress!, r.baseAddress!, common))
                return order != 0 ? order : l.count - r.count
            }
        }
    }
}
