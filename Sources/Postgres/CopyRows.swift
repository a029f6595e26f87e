#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A batch of rows parsed from COPY text, unescaped: every field's bytes in one buffer plus
/// a (start, length) pair per field, so a million rows cost two allocations per batch rather
/// than one String per field. Offsets are 32-bit: a batch holds one COPY chunk (about 1 MiB,
/// or one row, which PostgreSQL caps at 1 GB), and it halves what queued batches weigh.
public struct CopyRows: Sendable {
    public let fieldCount: Int
    public private(set) var bytes: [UInt8] = []
    /// Two entries per field: its start in `bytes` and its length, or -1 for NULL.
    public private(set) var spans: [Int32] = []

    public init(fieldCount: Int, reservingBytes: Int = 0) {
        precondition(fieldCount > 0, "a row has at least one field")
        self.fieldCount = fieldCount
        bytes.reserveCapacity(reservingBytes)
    }

    public var count: Int { spans.count / (2 * fieldCount) }

    // MARK: Building

    public var byteCount: Int { bytes.count }

    public mutating func append(contentsOf buffer: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: buffer) }
    public mutating func append(_ byte: UInt8) { bytes.append(byte) }
    public mutating func endField(startingAt start: Int) {
        spans.append(Int32(start))
        spans.append(Int32(bytes.count - start))
    }
    public mutating func appendNull() {
        spans.append(0)
        spans.append(-1)
    }
    /// Drops fields appended after `spanCount` spans (a row that turned out malformed).
    public mutating func truncate(spans spanCount: Int, bytes byteCount: Int) {
        spans.removeSubrange(spanCount...)
        bytes.removeSubrange(byteCount...)
    }
    public var spanCount: Int { spans.count }

    // MARK: Reading

    /// Where a field's bytes lie in `bytes`; a negative length is NULL.
    @inline(__always)
    public func span(_ row: Int, _ field: Int) -> (start: Int, length: Int) {
        let cell = (row * fieldCount + field) * 2
        return (Int(spans[cell]), Int(spans[cell + 1]))
    }

    public func isNull(_ row: Int, _ field: Int) -> Bool { span(row, field).length < 0 }

    /// The field's bytes; nil for NULL.
    public func bytes(_ row: Int, _ field: Int) -> [UInt8]? {
        let (start, length) = span(row, field)
        return length < 0 ? nil : Array(bytes[start..<start + length])
    }

    /// The field as text; nil for NULL.
    public func string(_ row: Int, _ field: Int) -> String? {
        let (start, length) = span(row, field)
        return length < 0 ? nil : String(decoding: bytes[start..<start + length], as: UTF8.self)
    }
}

extension CopyRows {
    /// The field's bytes, lent to `body` without a copy; nil for NULL.
    @inlinable
    public func withField<R>(_ row: Int, _ field: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        let (start, length) = span(row, field)
        guard length >= 0 else { return nil }
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<start + length])) }
    }

    /// Whether the field holds exactly `other`'s bytes (NULL matches nothing).
    public func field(_ row: Int, _ field: Int, equals other: [UInt8]) -> Bool {
        withField(row, field) { mine in
            guard mine.count == other.count else { return false }
            guard !other.isEmpty else { return true }
            return other.withUnsafeBytes { memcmp(mine.baseAddress!, $0.baseAddress!, mine.count) == 0 }
        } ?? false
    }

    /// Forgets every row, keeping the buffers' capacity for the next chunk.
    public mutating func removeAll() {
        truncate(spans: 0, bytes: 0)
    }
}
