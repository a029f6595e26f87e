/// Splits PostgreSQL's binary COPY format into rows and fields, across chunk boundaries, into
/// the same `CopyRows` the text reader fills.
///
/// Binary output spares the server formatting every value as text (a timestamp costs more to
/// print than to read) and the client unescaping it. The format: an 11-byte signature, 32-bit
/// flags and header-extension length (and the extension), then per row a 16-bit field count
/// followed by each field as a 32-bit length (-1 for NULL) and its bytes, all big-endian; a
/// field count of -1 ends the data. Field bytes are each type's binary form: read them with
/// `CopyRows.bigEndianInt64(_:_:)` and friends.
public struct CopyBinaryReader {
    public let fieldCount: Int
    /// What to name in errors ("the event log").
    public let source: String
    /// An incomplete row (or header) from the end of the previous chunk.
    private var carry: [UInt8] = []
    private var headerRead = false
    private var ended = false
    public private(set) var rowsRead = 0

    /// `PGCOPY\n\xff\r\n\0`, which opens binary COPY data (`CopyInWriter.binaryHeader` writes it).
    static let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]

    public init(fieldCount: Int, source: String) {
        self.fieldCount = fieldCount
        self.source = source
    }

    /// Parses every complete row in `chunk` (after what the previous chunk left over) into `rows`.
    public mutating func consume(_ chunk: UnsafeRawBufferPointer, into rows: inout CopyRows) throws {
        guard chunk.count > 0 else { return }
        if carry.isEmpty {
            let used = try parse(chunk, into: &rows)
            if used < chunk.count { carry.append(contentsOf: chunk[used...]) }
        } else {
            carry.append(contentsOf: chunk)
            let data = carry
            let used = try data.withUnsafeBytes { try parse($0, into: &rows) }
            carry.removeFirst(used)
        }
    }

    /// Call at the end of the stream: anything but a complete end marker means the data was cut off.
    public func finish() throws {
        guard ended, carry.isEmpty else {
            throw PostgresError(code: .protocolViolation, message: "the binary COPY data ended in the middle of row \(rowsRead + 1)", context: source)
        }
    }

    /// Parses complete rows from the start of `data`; returns how many bytes they took.
    private mutating func parse(_ data: UnsafeRawBufferPointer, into rows: inout CopyRows) throws -> Int {
        var position = 0
        if !headerRead {
            guard data.count >= 19 else { return 0 }
            guard data.prefix(11).elementsEqual(Self.signature) else { throw violation("the binary COPY data does not start with PostgreSQL's signature") }
            let extensionLength = Int(Self.uint32(data, 15))
            guard data.count >= 19 + extensionLength else { return 0 }
            position = 19 + extensionLength
            headerRead = true
        }
        while position < data.count {
            guard !ended else { throw violation("the binary COPY data continues after its end marker") }
            guard data.count - position >= 2 else { break }
            let fields = Int16(bigEndian: data.loadUnaligned(fromByteOffset: position, as: Int16.self))
            if fields == -1 {
                ended = true
                position += 2
                continue
            }
            guard Int(fields) == fieldCount else { throw violation("a row of the binary COPY data has \(fields) fields, not \(fieldCount)") }
            // Only whole rows are taken, so a row never straddles two calls.
            var end = position + 2
            var complete = true
            for _ in 0..<fieldCount {
                guard data.count - end >= 4 else { complete = false; break }
                let length = Int32(bitPattern: Self.uint32(data, end))
                end += 4
                if length > 0 {
                    guard data.count - end >= Int(length) else { complete = false; break }
                    end += Int(length)
                } else if length < -1 {
                    throw violation("a field of the binary COPY data has length \(length)")
                }
            }
            guard complete else { break }
            var field = position + 2
            for _ in 0..<fieldCount {
                let length = Int32(bitPattern: Self.uint32(data, field))
                field += 4
                if length < 0 {
                    rows.appendNull()
                } else {
                    let start = rows.byteCount
                    rows.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[field..<field + Int(length)]).bindMemory(to: UInt8.self))
                    rows.endField(startingAt: start)
                    field += Int(length)
                }
            }
            position = end
            rowsRead += 1
        }
        return position
    }

    private static func uint32(_ data: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(bigEndian: data.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    private func violation(_ message: String) -> PostgresError {
        PostgresError(code: .protocolViolation, message: message, context: source)
    }
}

extension CopyRows {
    /// A binary `bigint` field (or `timestamptz`: microseconds since 2000); nil for NULL or another size.
    @inlinable
    public func bigEndianInt64(_ row: Int, _ field: Int) -> Int64? {
        let (start, length) = span(row, field)
        guard length == 8 else { return nil }
        return bytes.withUnsafeBytes { Int64(bigEndian: $0.loadUnaligned(fromByteOffset: start, as: Int64.self)) }
    }

    /// A binary `integer` field; nil for NULL or another size.
    @inlinable
    public func bigEndianInt32(_ row: Int, _ field: Int) -> Int32? {
        let (start, length) = span(row, field)
        guard length == 4 else { return nil }
        return bytes.withUnsafeBytes { Int32(bigEndian: $0.loadUnaligned(fromByteOffset: start, as: Int32.self)) }
    }

    /// A binary `timestamptz` field as microseconds since the Unix epoch; nil for NULL.
    @inlinable
    public func timestampMicroseconds(_ row: Int, _ field: Int) -> Int64? {
        bigEndianInt64(row, field).map { $0 + CopyInWriter.postgresEpochOffset }
    }

    /// A binary `tid` field in its text form, `(block,offset)`, as a query can use it again.
    public func tidText(_ row: Int, _ field: Int) -> String? {
        let (start, length) = span(row, field)
        guard length == 6 else { return nil }
        let (block, offset) = bytes.withUnsafeBytes {
            (UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: start, as: UInt32.self)),
             UInt16(bigEndian: $0.loadUnaligned(fromByteOffset: start + 4, as: UInt16.self)))
        }
        return "(\(block),\(offset))"
    }
}
