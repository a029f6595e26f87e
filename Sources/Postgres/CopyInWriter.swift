import CLibPQ

/// Builds COPY text-format rows straight into one reusable byte buffer and hands ~1 MiB at a
/// time to libpq, so a million rows a second cost no per-field allocations.
///
/// Rows are written field by field (`field`, `null`) and closed with `endRow`. Those calls
/// never throw, to keep row building cheap and simple: if sending fails (server rejected a row,
/// socket broke) the failure is remembered, further rows are dropped, and `copyIn` throws it
/// when the body returns. Call `flush()` to find out sooner in a long-running body.
public struct CopyInWriter {
    /// How much to collect before calling PQputCopyData: large enough that libpq and the
    /// kernel see big writes, small enough to stay cache- and memory-friendly.
    public static let flushThreshold = 1 << 20

    /// nil: a buffering writer (`buffering()`), which sends nothing.
    private let handle: OpaquePointer?
    private var buffer: [UInt8]
    private var fieldWritten = false
    /// Why sending stopped, if it did; `copyIn` throws it (or the server's reason) at the end.
    public private(set) var failure: PostgresError?
    /// Rows closed with `endRow`.
    public private(set) var rowsWritten = 0
    /// Bytes handed to libpq so far.
    public private(set) var bytesSent: Int64 = 0

    init(handle: OpaquePointer) {
        self.handle = handle
        buffer = []
        buffer.reserveCapacity(Self.flushThreshold + 64 * 1024)
    }

    private init() {
        handle = nil
        buffer = []
    }

    /// A writer that sends nothing: rows build up in memory, in COPY's formats, for the caller to
    /// take (`takeBytes`) and hand to a connection's COPY later — say, encoded on another thread.
    public static func buffering() -> CopyInWriter { CopyInWriter() }

    /// What a buffering writer holds, which it then forgets. Throws instead when a field could not
    /// be encoded (an integer too large for its column): the row holds a placeholder then, which
    /// a connection's COPY would store as if it were the value.
    public mutating func takeBytes() throws -> [UInt8] {
        defer { buffer.removeAll(keepingCapacity: true) }
        if let failure { throw failure }
        return buffer
    }

    // MARK: Raw COPY data

    /// Appends already-formatted COPY data (whole rows, in the format the statement declared).
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        if let failure { throw failure }
        if bytes.count >= Self.flushThreshold, handle != nil {
            send()
            send(bytes)
        } else {
            buffer.append(contentsOf: bytes)
            if buffer.count >= Self.flushThreshold { send() }
        }
        if let failure { throw failure }
    }

    public mutating func write(_ string: String) throws {
        var string = string
        try string.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Sends everything buffered and throws if sending has failed at any point.
    public mutating func flush() throws {
        send()
        if let failure { throw failure }
    }

    // MARK: Text-format fields

    /// One text field, escaped for COPY (`\\`, `\t`, `\n`, `\r`); nil writes NULL (`\N`).
    public mutating func field(_ value: String?) {
        separate()
        guard var value else { appendNull(); return }
        value.withUTF8 { appendEscaped($0) }
    }

    /// One text field from UTF-8 bytes you already have (a Kafka payload, say), escaped as
    /// `field(_: String?)` does; nil writes NULL.
    public mutating func field(utf8 bytes: UnsafeRawBufferPointer?) {
        separate()
        guard let bytes else { appendNull(); return }
        appendEscaped(bytes.bindMemory(to: UInt8.self))
    }

    /// One integer field, formatted without going through String.
    public mutating func field(_ value: Int64?) {
        separate()
        guard let value else { appendNull(); return }
        appendDecimal(value)
    }

    public mutating func field(_ value: Int?) {
        field(value.map(Int64.init))
    }

    /// `t`/`f`, as PostgreSQL writes booleans.
    public mutating func field(_ value: Bool?) {
        separate()
        guard let value else { appendNull(); return }
        buffer.append(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    /// Shortest text that reads back as the same Double; `Infinity`, `-Infinity`, `NaN` as
    /// PostgreSQL spells them.
    public mutating func field(_ value: Double?) {
        guard let value else { separate(); appendNull(); return }
        if case .text(let text) = PostgresValue(value) { field(text) }
    }

    /// One bytea field in hex form (`\x0a1b…`, its backslash escaped for COPY); nil writes NULL.
    public mutating func field(bytes: [UInt8]?) {
        separate()
        guard let bytes else { appendNull(); return }
        bytes.withUnsafeBufferPointer { appendHex($0) }
    }

    /// One bytea field from bytes you already have, without copying them into an array first.
    public mutating func field(bytes: UnsafeRawBufferPointer) {
        separate()
        appendHex(bytes.bindMemory(to: UInt8.self))
    }

    /// A NULL field (`field(nil)` is ambiguous between the typed overloads).
    public mutating func null() {
        separate()
        appendNull()
    }

    /// Ends the row; sends the buffer once it holds about `flushThreshold` bytes.
    public mutating func endRow() {
        buffer.append(UInt8(ascii: "\n"))
        fieldWritten = false
        rowsWritten += 1
        if buffer.count >= Self.flushThreshold { send() }
    }

    // MARK: Binary-format rows

    // For `COPY … FROM STDIN (FORMAT binary)`: no text to format here or parse on the server,
    // which matters most for timestamps. Start with `binaryHeader()`, then per row
    // `binaryRow(fields:)` and exactly that many fields, and end with `binaryTrailer()`.

    /// The signature, flags and header-extension length that open binary COPY data.
    public mutating func binaryHeader() {
        buffer.append(contentsOf: CopyBinaryReader.signature)
        appendBigEndian(UInt32(0))
        appendBigEndian(UInt32(0))
    }

    /// Starts a row of `fields` fields; sends the buffer once it holds about `flushThreshold` bytes.
    public mutating func binaryRow(fields: Int) {
        if buffer.count >= Self.flushThreshold { send() }
        appendBigEndian(UInt16(fields))
        rowsWritten += 1
    }

    /// A text (or varchar) field; nil writes NULL.
    public mutating func binary(_ value: String?) {
        guard var value else { return binaryNull() }
        value.withUTF8 { binary(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// A text field from UTF-8 bytes you already have.
    public mutating func binary(utf8 bytes: UnsafeRawBufferPointer) {
        appendBigEndian(UInt32(bytes.count))
        buffer.append(contentsOf: bytes)
    }

    /// A `bytea` field, or any field whose binary form the caller built; nil writes NULL.
    public mutating func binary(bytes value: [UInt8]?) {
        guard let value else { return binaryNull() }
        value.withUnsafeBytes { binary(utf8: $0) }
    }

    /// An `integer` field.
    public mutating func binary(int32 value: Int32) {
        appendBigEndian(UInt32(4))
        appendBigEndian(UInt32(bitPattern: value))
    }

    /// A `bigint` field.
    public mutating func binary(int64 value: Int64) {
        appendBigEndian(UInt32(8))
        appendBigEndian(UInt64(bitPattern: value))
    }

    /// A `timestamptz` field from microseconds since the Unix epoch; nil writes NULL.
    public mutating func binary(timestampMicroseconds value: Int64?) {
        guard let value else { return binaryNull() }
        binary(int64: value - Self.postgresEpochOffset)
    }

    /// An `integer` field from a 64-bit value; one that does not fit fails the COPY (as the
    /// server would refuse it in text) rather than being cut down. nil writes NULL.
    public mutating func binary(int4 value: Int64?) {
        guard let value else { return binaryNull() }
        guard let fitting = Int32(exactly: value) else {
            if failure == nil {
                failure = PostgresError(code: .invalidParameter, message: "the value \(value) is out of range for an integer column",
                                        context: "copying rows in")
            }
            return binary(int32: 0)  // keeps the row well-formed; the COPY (or `takeBytes`) fails with the reason above
        }
        binary(int32: fitting)
    }

    /// A `double precision` field; nil writes NULL.
    public mutating func binary(float8 value: Double?) {
        guard let value else { return binaryNull() }
        appendBigEndian(UInt32(8))
        appendBigEndian(value.bitPattern)
    }

    /// A `jsonb` field from JSON text (binary jsonb is a version byte, 1, then the text); nil writes NULL.
    public mutating func binary(jsonb text: String?) {
        guard var text else { return binaryNull() }
        text.withUTF8 { utf8 in
            appendBigEndian(UInt32(utf8.count + 1))
            buffer.append(1)
            buffer.append(contentsOf: utf8)
        }
    }

    public mutating func binaryNull() {
        appendBigEndian(UInt32(bitPattern: -1))
    }

    /// The -1 field count that ends binary COPY data.
    public mutating func binaryTrailer() {
        appendBigEndian(UInt16(bitPattern: -1))
    }

    /// PostgreSQL counts timestamps from 2000-01-01T00:00:00Z, 946,684,800 s after the Unix epoch.
    public static let postgresEpochOffset: Int64 = 946_684_800_000_000

    @inline(__always)
    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    // MARK: Encoding

    @inline(__always)
    private mutating func separate() {
        if fieldWritten { buffer.append(UInt8(ascii: "\t")) } else { fieldWritten = true }
    }

    @inline(__always)
    private mutating func appendNull() {
        buffer.append(UInt8(ascii: "\\"))
        buffer.append(UInt8(ascii: "N"))
    }

    /// Copies runs of ordinary bytes in one go; only the four special bytes are rewritten.
    /// Multi-byte UTF-8 never contains them, so scanning bytes is safe.
    private mutating func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in 0..<bytes.count {
            let escaped: UInt8
            switch bytes[index] {
            case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
            case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
            case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
            default: continue
            }
            if runStart < index { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            buffer.append(UInt8(ascii: "\\"))
            buffer.append(escaped)
            runStart = index + 1
        }
        if runStart < bytes.count { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
    }

    private mutating func appendDecimal(_ value: Int64) {
        // Magnitude as UInt64 so Int64.min does not overflow on negation.
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes of scratch, filled from the end
        withUnsafeMutableBytes(of: &digits) { scratch in
            var position = scratch.count
            repeat {
                position -= 1
                scratch[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                position -= 1
                scratch[position] = UInt8(ascii: "-")
            }
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[position...]))
        }
    }

    private mutating func appendHex(_ bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(UInt8(ascii: "\\"))
        buffer.append(UInt8(ascii: "\\"))
        buffer.append(UInt8(ascii: "x"))
        let digits: StaticString = "0123456789abcdef"
        let table = digits.utf8Start
        for byte in bytes {
            buffer.append(table[Int(byte >> 4)])
            buffer.append(table[Int(byte & 0x0f)])
        }
    }

    // MARK: Sending

    private mutating func send() {
        guard handle != nil, !buffer.isEmpty else { return }
        if failure == nil {
            buffer.withUnsafeBytes { send($0) }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// PQputCopyData takes an Int32 length, so very large writes go in pieces.
    private mutating func send(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, let base = bytes.baseAddress else { return }
        let piece = 64 << 20
        var offset = 0
        while offset < bytes.count {
            let length = min(piece, bytes.count - offset)
            let status = PQputCopyData(handle, (base + offset).assumingMemoryBound(to: CChar.self), Int32(length))
            guard status == 1 else {
                let lost = PQstatus(handle) == CONNECTION_BAD
                failure = PostgresError(
                    code: lost ? .connectionLost : .copyFailed,
                    message: libpqMessage(PQerrorMessage(handle)),
                    context: "sending COPY data")
                return
            }
            offset += length
            bytesSent += Int64(length)
        }
    }
}
