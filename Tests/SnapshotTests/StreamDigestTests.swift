import Crypto
import Foundation
@testable import Snapshot
import Store
import Testing

@Suite("stream digests")
struct StreamDigestTests {
    @Test("the word-at-a-time byte count matches a plain count at every alignment and length")
    func countMatchesNaive() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes: [UInt8] = (0..<4_099).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            // Mostly newlines, tabs and their neighbours (0x08, 0x0B, 0x89, 0x8A) to catch carries.
            return [0x0A, 0x09, 0x0B, 0x08, 0x8A, 0x89, 0x00, 0xFF, UInt8(truncatingIfNeeded: state >> 32)][Int(state % 9)]
        }
        bytes.withUnsafeBytes { all in
            for start in 0..<9 {
                for end in [start, start + 1, start + 7, start + 8, start + 63, all.count] where end <= all.count {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<end])
                    for byte: UInt8 in [0x0A, 0x09] {
                        #expect(StreamDigest.count(byte, in: slice) == Int64(slice.filter { $0 == byte }.count),
                                "byte \(byte) in \(start)..<\(end)")
                    }
                }
            }
        }
    }

    @Test("a digest fed in pieces equals SHA-256 of the whole, and counts rows and fields")
    func piecewiseDigest() {
        let text = Array("a\tb\\tc\n1\t\\N\n漢字\tx\n".utf8)
        let digest = StreamDigest(countsRows: true)
        text.withUnsafeBytes { all in
            digest.update(UnsafeRawBufferPointer(rebasing: all[0..<5]))
            digest.update(UnsafeRawBufferPointer(rebasing: all[5...]))
        }
        #expect(digest.bytes == Int64(text.count))
        #expect(digest.newlines == 3)
        #expect(digest.tabs == 3)
        #expect(digest.finalizeHex() == SHA256.hash(data: text).map { String(format: "%02x", $0) }.joined())
    }
}
