import Foundation
import Testing
import Zstd

@Suite("zstd damaged input")
struct ZstdDamageTests {
    /// A valid file of a few blocks.
    static func validFile() throws -> (TemporaryFile, [UInt8]) {
        var source = SemiRandomText(seed: 99)
        let data = source.next(600_000)
        let file = TemporaryFile()
        let writer = try ZstdFileWriter(path: file.path)
        try writer.write(data)
        try writer.finish()
        return (file, data)
    }

    /// Reads `bytes` as a file and returns the error (reading must not succeed).
    static func readError(_ bytes: [UInt8]) -> ZstdError? {
        let file = TemporaryFile()
        file.replace(with: bytes)
        let error = #expect(throws: ZstdError.self) {
            try ZstdFileReader(path: file.path).read { _ in }
        }
        // The in-memory API must agree.
        let memoryError = #expect(throws: ZstdError.self) { try Zstd.decompress(bytes) }
        #expect(memoryError?.code == error?.code)
        #expect(error?.path == file.path)
        return error
    }

    @Test("a truncated file is rejected as truncated wherever it is cut")
    func truncated() throws {
        let (file, _) = try Self.validFile()
        let bytes = file.contents
        for cut in [bytes.count - 1, bytes.count - 4, bytes.count / 2, 20] {
            let error = Self.readError(Array(bytes[..<cut]))
            #expect(error?.code == .truncated, "cut at \(cut): \(String(describing: error))")
            #expect(error?.description.contains("is truncated") == true)
        }
    }

    @Test("one flipped byte is rejected as corruption or a checksum mismatch")
    func flippedByte() throws {
        let (file, _) = try Self.validFile()
        let original = file.contents
        for position in [original.count / 3, original.count / 2, original.count - 2] {
            var damaged = original
            damaged[position] ^= 0x20
            let error = Self.readError(damaged)
            #expect(error?.code == .corrupted || error?.code == .checksumMismatch,
                    "flip at \(position): \(String(describing: error))")
        }
        var badChecksum = original
        badChecksum[original.count - 1] ^= 0xff
        #expect(Self.readError(badChecksum)?.code == .checksumMismatch)
    }

    @Test("bytes after the last frame are rejected as trailing garbage")
    func trailingGarbage() throws {
        let (file, _) = try Self.validFile()
        let original = file.contents
        #expect(Self.readError(original + Array("garbage after the frame".utf8))?.code == .trailingGarbage)
        #expect(Self.readError(original + [0, 0])?.code == .trailingGarbage)
        #expect(Self.readError(original + [UInt8](repeating: 0, count: 4096))?.code == .trailingGarbage)
    }

    @Test("concatenated complete frames are accepted, as the zstd tool does")
    func concatenatedFrames() throws {
        let first = try Zstd.compress(Array("one ".utf8))
        let second = try Zstd.compress(Array("two".utf8))
        #expect(try Zstd.decompress(first + second) == Array("one two".utf8))
    }

    @Test("a file that is not zstd, or is empty, is rejected as not zstd")
    func notZstd() throws {
        let text = Self.readError(Array("just some plain text, definitely not compressed".utf8))
        #expect(text?.code == .notZstd)
        #expect(text?.description.contains("is not zstd-compressed") == true)
        #expect(Self.readError([])?.code == .notZstd)
        #expect(Self.readError([0x28])?.code == .notZstd)
    }
}
