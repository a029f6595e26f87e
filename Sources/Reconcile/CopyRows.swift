#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A batch of rows parsed from COPY text, unescaped: every field's bytes in one buffer plus
/// a (start, length) pair per field, so a million rows cost two allocations per batch rather
/// than one String per field. Offsets are 32-bit: a batch holds one COPY chunk (about 1 MiB,
/// or one row, which PostgreSQL caps at 1 GB), and it halves what queued batches weigh.
struct CopyRows: Sendable {
    let fieldCount: Int
    private(set) var bytes: [UInt8] = []
    /// Two entries per field: its start in `bytes` and its length, or -1 for NULL.
    private(set) var spans: [Int32] = []

    init(fieldCount: Int, reservingBytes: Int = 0) {
        precondition(fieldCount > 0, "a row has at least one field")
        self.fieldCount = fieldCount
        bytes.reserveCapacity(reservingBytes)
    }

    var count: Int { spans.count / (2 * fieldCount) }

    // MARK: Building

    var byteCount: Int { bytes.count }

    mutating func append(contentsOf buffer: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: buffer) }
    mutating func append(_ byte: UInt8) { bytes.append(byte) }
    mutating func endField(startingAt start: Int) {
        spans.append(Int32(start))
        spans.append(Int32(bytes.count - start))
    }
    mutating func appendNull() {
        spans.append(0)
        spans.append(-1)
    }
    /// Drops fields appended after `spanCount` spans (a row that turned out malformed).
    mutating func truncate(spans spanCount: Int, bytes byteCount: Int) {
        spans.removeSubrange(spanCount...)
        bytes.removeSubrange(byteCount...)
    }
    var spanCount: Int { spans.count }

    // MARK: Reading

    @inline(__always)
    private func span(_ row: Int, _ field: Int) -> (start: Int, length: Int) {
        let cell = (row * fieldCount + field) * 2
        return (Int(spans[cell]), Int(spans[cell + 1]))
    }

    func isNull(_ row: Int, _ field: Int) -> Bool { span(row, field).length < 0 }

    /// The field's bytes; nil for NULL.
    func bytes(_ row: Int, _ field: Int) -> [UInt8]? {
        let (start, length) = span(row, field)
        return length < 0 ? nil : Array(bytes[start..<start + length])
    }

    /// The field as text; nil for NULL.
    func string(_ row: Int, _ field: Int) -> String? {
        let (start, length) = span(row, field)
        return length < 0 ? nil : String(decoding: bytes[start..<start + length], as: UTF8.self)
    }

    /// Orders two fields the way `COLLATE "C"` orders text: byte-wise, a prefix first. NULL
    /// (never in a key) sorts first so the order is still total.
    @inline(__always)
    static func compare(_ lhs: CopyRows, _ lhsRow: Int, _ rhs: CopyRows, _ rhsRow: Int, field: Int) -> Int {
        let (lhsStart, lhsLength) = lhs.span(lhsRow, field)
        let (rhsStart, rhsLength) = rhs.span(rhsRow, field)
        if lhsLength < 0 || rhsLength < 0 { return (lhsLength < 0 ? 0 : 1) - (rhsLength < 0 ? 0 : 1) }
        let common = min(lhsLength, rhsLength)
        if common > 0 {
            let order = lhs.bytes.withUnsafeBufferPointer { left in
                rhs.bytes.withUnsafeBufferPointer { right in
                    memcmp(left.baseAddress! + lhsStart, right.baseAddress! + rhsStart, common)
                }
            }
            if order != 0 { return Int(order) }
        }
        return lhsLength - rhsLength
    }

    /// Compares the first `count` fields in order (the key), like ORDER BY does.
    @inline(__always)
    static func compareKeys(_ lhs: CopyRows, _ lhsRow: Int, _ rhs: CopyRows, _ rhsRow: Int, count: Int) -> Int {
        for field in 0..<count {
            let order = compare(lhs, lhsRow, rhs, rhsRow, field: field)
            if order != 0 { return order }
        }
        return 0
    }

    /// True when the field is byte-equal on both sides (NULL equals only NULL).
    @inline(__always)
    static func fieldsEqual(_ lhs: CopyRows, _ lhsRow: Int, _ rhs: CopyRows, _ rhsRow: Int, field: Int) -> Bool {
        let (lhsStart, lhsLength) = lhs.span(lhsRow, field)
        let (rhsStart, rhsLength) = rhs.span(rhsRow, field)
        if lhsLength != rhsLength { return false }
        if lhsLength <= 0 { return true }
        return lhs.bytes.withUnsafeBufferPointer { left in
            rhs.bytes.withUnsafeBufferPointer { right in
                memcmp(left.baseAddress! + lhsStart, right.baseAddress! + rhsStart, lhsLength) == 0
            }
        }
    }

    /// jsonb text equality as jsonb's `=` sees it (numbers compared without their scale).
    static func jsonFieldsEqual(_ lhs: CopyRows, _ lhsRow: Int, _ rhs: CopyRows, _ rhsRow: Int, field: Int) -> Bool {
        if fieldsEqual(lhs, lhsRow, rhs, rhsRow, field: field) { return true }
        guard let left = lhs.bytes(lhsRow, field), let right = rhs.bytes(rhsRow, field) else { return false }
        return JSONTextEquality.equal(left, right)
    }

    /// Float text equality as SQL sees it: shortest-exact forms are equal for equal values
    /// except the sign of zero (`-0 = 0` in SQL).
    static func floatFieldsEqual(_ lhs: CopyRows, _ lhsRow: Int, _ rhs: CopyRows, _ rhsRow: Int, field: Int) -> Bool {
        if fieldsEqual(lhs, lhsRow, rhs, rhsRow, field: field) { return true }
        func isZero(_ text: [UInt8]?) -> Bool { text == [0x30] || text == [0x2D, 0x30] }
        return isZero(lhs.bytes(lhsRow, field)) && isZero(rhs.bytes(rhsRow, field))
    }
}
