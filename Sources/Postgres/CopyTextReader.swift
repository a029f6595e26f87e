#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits PostgreSQL's COPY text format into rows and fields and undoes its escapes, across
/// chunk boundaries (`copyOut` hands over chunks that may end mid-row).
///
/// The format: rows end with `\n`, fields are separated by `\t`, a field that is exactly `\N`
/// is NULL, and a backslash escapes the rest (`\t \n \r \b \f \v \\`, octal `\ooo`, hex `\xhh`,
/// any other character stands for itself). Since data newlines and tabs are always escaped,
/// a raw newline always ends a row.
public struct CopyTextReader {
    public let fieldCount: Int
    /// What to name in errors ("left side, table links").
    public let source: String
    /// An incomplete row from the end of the previous chunk.
    private var carry: [UInt8] = []
    public private(set) var rowsRead = 0

    public init(fieldCount: Int, source: String) {
        self.fieldCount = fieldCount
        self.source = source
    }

    /// Parses every complete row in `chunk` (after what the previous chunk left over) into `rows`.
    public mutating func consume(_ chunk: UnsafeRawBufferPointer, into rows: inout CopyRows) throws {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        let input = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: chunk.count)
        var position = 0
        if !carry.isEmpty {
            guard let newline = Self.newline(in: input, from: 0) else {
                carry.append(contentsOf: input)
                return
            }
            carry.append(contentsOf: UnsafeBufferPointer(rebasing: input[0..<newline]))
            let line = carry
            try line.withUnsafeBufferPointer { try parseRow($0, into: &rows) }
            carry.removeAll(keepingCapacity: true)
            position = newline + 1
        }
        while position < input.count {
            guard let newline = Self.newline(in: input, from: position) else {
                carry.append(contentsOf: UnsafeBufferPointer(rebasing: input[position...]))
                return
            }
            try parseRow(UnsafeBufferPointer(rebasing: input[position..<newline]), into: &rows)
            position = newline + 1
        }
    }

    /// Call at the end of the stream: a row without its newline means the data was cut off.
    public func finish() throws {
        guard carry.isEmpty else {
            throw PostgresError(code: .protocolViolation, message: "the COPY data ended in the middle of row \(rowsRead + 1)", context: source)
        }
    }

    private static func newline(in input: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < input.count, let found = memchr(input.baseAddress! + start, 0x0A, input.count - start) else {
            return nil
        }
        return input.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// Parses one row (without its newline).
    mutating func parseRow(_ line: UnsafeBufferPointer<UInt8>, into rows: inout CopyRows) throws {
        let tab: UInt8 = 0x09, backslash: UInt8 = 0x5C
        let spansBefore = rows.spanCount, bytesBefore = rows.byteCount
        let end = line.count
        var index = 0
        var fields = 0
        while true {
            if index + 1 < end, line[index] == backslash, line[index + 1] == UInt8(ascii: "N"),
               index + 2 == end || line[index + 2] == tab {
                rows.appendNull()
                index += 2
            } else {
                let start = rows.byteCount
                var runStart = index
                while index < end {
                    let byte = line[index]
                    if byte == tab { break }
                    if byte == backslash {
                        if index > runStart { rows.append(contentsOf: UnsafeBufferPointer(rebasing: line[runStart..<index])) }
                        guard index + 1 < end else {
                            rows.truncate(spans: spansBefore, bytes: bytesBefore)
                            throw PostgresError(code: .protocolViolation, message: "row \(rowsRead + 1) of the COPY data ends with a lone backslash",
                                                 context: source)
                        }
                        index = Self.unescape(line, at: index + 1, into: &rows)
                        runStart = index
                        continue
                    }
                    index += 1
                }
                if index > runStart { rows.append(contentsOf: UnsafeBufferPointer(rebasing: line[runStart..<index])) }
                rows.endField(startingAt: start)
            }
            fields += 1
            if index < end, line[index] == tab {
                index += 1
                continue
            }
            break
        }
        guard fields == fieldCount, index == end else {
            rows.truncate(spans: spansBefore, bytes: bytesBefore)
            throw PostgresError(code: .protocolViolation, message: "row \(rowsRead + 1) of the COPY data has \(fields) fields where \(fieldCount) were expected",
                                 context: source)
        }
        rowsRead += 1
    }

    /// Appends the byte an escape stands for; `index` is just after the backslash. Returns the
    /// index after the escape.
    private static func unescape(_ line: UnsafeBufferPointer<UInt8>, at index: Int, into rows: inout CopyRows) -> Int {
        let escaped = line[index]
        switch escaped {
        case UInt8(ascii: "t"): rows.append(0x09)
        case UInt8(ascii: "n"): rows.append(0x0A)
        case UInt8(ascii: "r"): rows.append(0x0D)
        case UInt8(ascii: "b"): rows.append(0x08)
        case UInt8(ascii: "f"): rows.append(0x0C)
        case UInt8(ascii: "v"): rows.append(0x0B)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var value = 0
            var next = index
            while next < line.count, next < index + 3, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(line[next]) {
                value = value * 8 + Int(line[next] - UInt8(ascii: "0"))
                next += 1
            }
            rows.append(UInt8(truncatingIfNeeded: value))
            return next
        case UInt8(ascii: "x"):
            var value = 0
            var next = index + 1
            while next < line.count, next < index + 3, let digit = hexValue(line[next]) {
                value = value * 16 + digit
                next += 1
            }
            if next == index + 1 {
                rows.append(escaped)  // `\x` without digits is a plain x
                return index + 1
            }
            rows.append(UInt8(truncatingIfNeeded: value))
            return next
        default:
            rows.append(escaped)
        }
        return index + 1
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }
}
