import Foundation

/// Deterministic, compressible-but-not-trivial text: words picked by a xorshift generator, so
/// a 50 MB stream can be regenerated for comparison instead of being held twice in memory.
struct SemiRandomText {
    private static let words: [[UInt8]] = [
        "event", "kafka", "offset", "partition", "snapshot", "postgres", "backfill", "tenant",
        "the", "a", "of", "lorem", "ipsum", "{\"id\":", "\"ts\":", "\t", "\n", "ß", "漢字", "🦀",
        "0", "17", "4242", "null", "true", "false", "\\", "'", "\"",
    ].map { Array($0.utf8) }

    private var state: UInt64
    /// Generated but not yet returned, so the stream does not depend on how it is chunked.
    private var pending: [UInt8] = []

    init(seed: UInt64) { state = seed | 1 }

    /// The next `count` bytes of the stream.
    mutating func next(_ count: Int) -> [UInt8] {
        var bytes = pending
        bytes.reserveCapacity(count + 16)
        let words = Self.words
        while bytes.count < count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes.append(contentsOf: words[Int(state % UInt64(words.count))])
            if state & 0x30 == 0 { bytes.append(UInt8(truncatingIfNeeded: state >> 40)) }
            bytes.append(UInt8(ascii: " "))
        }
        pending = Array(bytes[count...])
        bytes.removeSubrange(count...)
        return bytes
    }
}

/// A temporary file path, removed when the test is done with it.
final class TemporaryFile {
    let path: String

    init(_ name: String = "data.zst") {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("zstd-tests-\(UUID().uuidString)-\(name)").path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var contents: [UInt8] {
        Array(FileManager.default.contents(atPath: path) ?? Data())
    }

    func replace(with bytes: [UInt8]) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }
}

/// FNV-1a, enough to check that an observer saw exactly the file's bytes in order.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes {
            value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
    }

    static func of(_ bytes: [UInt8]) -> UInt64 {
        var hash = FNV1a()
        bytes.withUnsafeBytes { hash.add($0) }
        return hash.value
    }
}
