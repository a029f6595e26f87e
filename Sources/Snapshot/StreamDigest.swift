import Crypto

/// SHA-256, byte count and row count of a stream, updated chunk by chunk, so a table is checked
/// in the same pass that moves it and is never held in memory.
///
/// A class because zstd's byte observers are stored closures that must share it with the caller.
final class StreamDigest {
    private var hasher = SHA256()
    private(set) var bytes: Int64 = 0
    /// Newline bytes seen: in COPY text format every row ends with one and a newline inside a
    /// value is escaped as `\n`, so this is the row count.
    private(set) var newlines: Int64 = 0
    /// Tab bytes seen: field separators (tabs in values are escaped as `\t`), so a file of rows
    /// with N columns has rows × (N − 1) of them.
    private(set) var tabs: Int64 = 0
    private let countsRows: Bool

    init(countsRows: Bool = false) {
        self.countsRows = countsRows
    }

    func update(_ chunk: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: chunk)
        bytes += Int64(chunk.count)
        if countsRows {
            newlines += Self.count(0x0A, in: chunk)
            tabs += Self.count(0x09, in: chunk)
        }
    }

    /// Lowercase hex, as `sha256sum` prints it.
    func finalizeHex() -> String {
        hasher.finalize().lowercaseHex
    }

    /// Counts `byte` eight bytes at a time (SWAR): several GB/s, so counting rows and fields costs
    /// little next to decompression and hashing.
    static func count(_ byte: UInt8, in chunk: UnsafeRawBufferPointer) -> Int64 {
        var count = 0
        var index = 0
        let total = chunk.count
        guard let base = chunk.baseAddress else { return 0 }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let pattern = ones &* UInt64(byte)
        while index + 8 <= total {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ pattern
            // A byte of `word` is zero exactly where the chunk holds a newline; this sets the high
            // bit of each zero byte without carries between bytes.
            let zeros = ~(((word & ~highs) &+ ~highs) | word | ~highs)
            count += zeros.nonzeroBitCount
            index += 8
        }
        while index < total {
            if base.load(fromByteOffset: index, as: UInt8.self) == byte { count += 1 }
            index += 1
        }
        return Int64(count)
    }
}
