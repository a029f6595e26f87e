import CLibPQ

/// Statement parameters laid out the way `PQexecParams` wants them: all values in one buffer
/// (text NUL-terminated, bytea raw), plus parallel arrays of types, lengths and formats.
/// One allocation per statement instead of one C string per value.
struct EncodedParameters {
    /// The protocol counts parameters in an Int16.
    static let maximumCount = 65_535
    /// Type OID of bytea: binary parameters must say what they are.
    static let byteaOID: Oid = 17

    private var storage: [UInt8] = []
    /// Start of each value in `storage`, or nil for NULL.
    private var offsets: [Int?] = []
    private var types: [Oid] = []
    private var lengths: [Int32] = []
    private var formats: [Int32] = []

    init(_ parameters: [PostgresValue], context: String) throws {
        guard parameters.count <= Self.maximumCount else {
            throw PostgresError(
                code: .invalidParameter,
                message: "\(parameters.count) parameters exceed PostgreSQL's limit of \(Self.maximumCount) per statement",
                context: context)
        }
        var size = 0
        for parameter in parameters {
            switch parameter {
            case .null: break
            case .text(let text): size += text.utf8.count + 1
            case .bytes(let bytes): size += bytes.count
            }
        }
        // One spare byte so every value, even an empty bytea at the end, points into the buffer.
        storage.reserveCapacity(size + 1)
        for (index, parameter) in parameters.enumerated() {
            switch parameter {
            case .null:
                offsets.append(nil)
                types.append(0)
                lengths.append(0)
                formats.append(0)
            case .text(let text):
                // A C string stops at the first NUL, which would silently truncate the value.
                if text.utf8.contains(0) {
                    throw PostgresError(
                        code: .invalidParameter,
                        message: "parameter $\(index + 1) contains a NUL character, which PostgreSQL text cannot store",
                        context: context)
                }
                offsets.append(storage.count)
                storage.append(contentsOf: text.utf8)
                storage.append(0)
                types.append(0)
                lengths.append(0)
                formats.append(0)
            case .bytes(let bytes):
                guard bytes.count <= Int(Int32.max) else {
                    throw PostgresError(
                        code: .invalidParameter,
                        message: "parameter $\(index + 1) is \(bytes.count) bytes, more than one message can carry",
                        context: context)
                }
                offsets.append(storage.count)
                storage.append(contentsOf: bytes)
                types.append(Self.byteaOID)
                lengths.append(Int32(bytes.count))
                formats.append(1)
            }
        }
        storage.append(0)
    }

    /// Calls `body` with (count, types, values, lengths, formats), all valid for the call.
    func withLibPQArrays<R>(
        _ body: (Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> R
    ) -> R {
        storage.withUnsafeBytes { raw in
            let base = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
            let values: [UnsafePointer<CChar>?] = offsets.map { offset in offset.map { base + $0 } }
            return types.withUnsafeBufferPointer { types in
                values.withUnsafeBufferPointer { values in
                    lengths.withUnsafeBufferPointer { lengths in
                        formats.withUnsafeBufferPointer { formats in
                            body(Int32(offsets.count), types.baseAddress, values.baseAddress,
                                 lengths.baseAddress, formats.baseAddress)
                        }
                    }
                }
            }
        }
    }
}
