import Crypto

/// SHA-256, byte count and row count of a stream, updated chunk by chunk, so a table is checked
/// in the same pass that moves it and is never held in memory.
///
/// A class because zstd's byte observers are stored closures that must share it with the caller.
public final class StreamDigest {
    private var hasher = SHA256()
    public private(set) var bytes: Int64 = 0
    /// Newline bytes seen: in COPY text format every row ends with one and a newline inside a
    /// value is escaped as `\n`, so this is the row count.
    public private(set) var newlines: Int64 = 0
    /// Tab bytes seen: field separators (tabs in values are escaped as `\t`), so a file of rows
    /// with N columns has rows × (N − 1) of them.
    public private(set) var tabs: Int64 = 0
    private let countsRows: Bool

    public init(countsRows: Bool = false) {
        self.countsRows = countsRows
    }

    public func update(_ chunk: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: chunk)
        bytes += Int64(chunk.count)
        if countsRows {
            let counts = Self.count(0x0A, 0x09, in: chunk)
            newlines += counts.first
            tabs += counts.second
        }
    }

    /// Lowercase hex, as `sha256sum` prints it.
    public func finalizeHex() -> String {
        hasher.finalize().lowercaseHex
    }

    /// Counts `byte` eight bytes at a time (SWAR): several GB/s, so counting rows and fields costs
    /// little next to decompression and hashing.
    public static func count(_ byte: UInt8, in chunk: UnsafeRawBufferPointer) -> Int64 {
        count(byte, byte, in: chunk).first
    }

    /// Counts two bytes in one pass over `chunk` (rows and fields: each chunk is read once).
    @inline(__always)
    public static func count(_ first: UInt8, _ second: UInt8, in chunk: UnsafeRawBufferPointer) -> (first: Int64, second: Int64) {
        var counts = (0, 0)
        var index = 0
        let total = chunk.count
        guard let base = chunk.baseAddress else { return (0, 0) }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let patterns = (ones &* UInt64(first), ones &* UInt64(second))
        /// The high bit of each zero byte of `word`, without carries between bytes.
        @inline(__always) func zeros(_ word: UInt64) -> Int {
            (~(((word & ~highs) &+ ~highs) | word | ~highs)).nonzeroBitCount
        }
        while index + 8 <= total {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            // A byte of `word ^ pattern` is zero exactly where the chunk holds that byte.
            counts.0 += zeros(word ^ patterns.0)
            if first != second { counts.1 += zeros(word ^ patterns.1) }
            index += 8
        }
        while index < total {
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            if byte == first { counts.0 += 1 }
            if byte == second, first != second { counts.1 += 1 }
            index += 1
        }
        return (Int64(counts.0), Int64(counts.1))
    }
}
