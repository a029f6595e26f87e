import Postgres

/// Rows in PostgreSQL's binary COPY format, for the staging table of embeddings.
///
/// Binary because a vector is 384 floats: as text each would be formatted here and parsed by the
/// server (the slowest part of loading); as binary it is 1.5 KiB copied as is, bit-exact. Layout:
/// a signature header, then per row a field count and length-prefixed fields (big-endian), then -1.
struct BinaryCopy {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
        bytes.append(contentsOf: Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        appendInt32(0)  // flags
        appendInt32(0)  // header extension length
    }

    mutating func startRow(fields: Int) { appendInt16(Int16(fields)) }

    mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            appendInt32(Int32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func int32(_ value: Int32) {
        appendInt32(4)
        appendInt32(value)
    }

    mutating func int64(_ value: Int64) {
        appendInt32(8)
        appendInt64(value)
    }

    mutating func bigintOrNull(_ value: Int64?) {
        if let value { int64(value) } else { appendInt32(-1) }
    }

    mutating func bytea(_ value: [UInt8]?) {
        guard let value else { appendInt32(-1); return }
        appendInt32(Int32(value.count))
        bytes.append(contentsOf: value)
    }

    /// pgvector's binary form: int16 dimension, int16 unused, then float4 values.
    mutating func vector(_ values: [Float]) {
        appendInt32(Int32(4 + 4 * values.count))
        appendInt16(Int16(values.count))
        appendInt16(0)
        for value in values { appendInt32(Int32(bitPattern: value.bitPattern)) }
    }

    mutating func finish() { appendInt16(-1) }

    /// Ends the rows and sends them with `COPY <table> FROM STDIN (FORMAT binary)`.
    func send(into table: String, on db: PostgresConnection) throws {
        var rows = self
        rows.finish()
        try db.copyIn("copy \(table) from stdin (format binary)") { writer in
            try rows.bytes.withUnsafeBytes { try writer.write($0) }
        }
    }

    private mutating func appendInt16(_ value: Int16) {
        let v = UInt16(bitPattern: value)
        bytes.append(UInt8(v >> 8))
        bytes.append(UInt8(v & 0xFF))
    }

    private mutating func appendInt32(_ value: Int32) {
        let v = UInt32(bitPattern: value)
        bytes.append(UInt8(v >> 24))
        bytes.append(UInt8((v >> 16) & 0xFF))
        bytes.append(UInt8((v >> 8) & 0xFF))
        bytes.append(UInt8(v & 0xFF))
    }

    private mutating func appendInt64(_ value: Int64) {
        appendInt32(Int32(truncatingIfNeeded: value >> 32))
        appendInt32(Int32(truncatingIfNeeded: value))
    }
}
