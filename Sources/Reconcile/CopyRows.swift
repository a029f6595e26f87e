#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

import Postgres

/// Comparisons the diff needs: key order as `COLLATE "C"` and value equality per type.
extension CopyRows {
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
