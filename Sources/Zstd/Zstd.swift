import CZstd

/// In-memory compression for small payloads, with the same guarantees as the file types:
/// content checksum on when compressing, strict validation when decompressing.
public enum Zstd {
    public static func compress(_ data: [UInt8], level: Int32 = 3) throws -> [UInt8] {
        guard let context = ZSTD_createCCtx() else {
            throw ZstdError(code: .outOfMemory, message: "could not allocate a compression context")
        }
        defer { ZSTD_freeCCtx(context) }
        try CompressionParameters.set(ZSTD_c_compressionLevel, level, "level", on: context, path: nil)
        try CompressionParameters.set(ZSTD_c_checksumFlag, 1, "content checksum", on: context, path: nil)
        let bound = ZSTD_compressBound(data.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { destination in
            data.withUnsafeBytes { source in
                ZSTD_compress2(context, destination.baseAddress, destination.count, source.baseAddress, source.count)
            }
        }
        if ZSTD_isError(written) != 0 {
            throw ZstdError(code: .compressionFailed, message: String(cString: ZSTD_getErrorName(written)))
        }
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses one or more complete frames; truncated, damaged or padded input throws.
    public static func decompress(_ data: [UInt8]) throws -> [UInt8] {
        let decoder = try ZstdStreamDecoder(path: nil, outputCapacity: 128 * 1024)
        var output: [UInt8] = []
        try data.withUnsafeBytes { input in
            try decoder.feed(input) { output.append(contentsOf: $0) }
        }
        try decoder.finish()
        return output
    }
}
