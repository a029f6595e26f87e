import CZstd

/// Sets compression parameters strictly: libzstd would clamp an out-of-range level or worker
/// count without a word, so a request it cannot honour is an error here instead.
enum CompressionParameters {
    static func set(
        _ parameter: ZSTD_cParameter, _ value: Int32, _ name: String, on context: OpaquePointer, path: String?
    ) throws {
        // libzstd silently clamps out-of-range levels and worker counts; asking for level 1000
        // and getting 22 is a surprise worth an error, so check the bounds first.
        let bounds = ZSTD_cParam_getBounds(parameter)
        if ZSTD_isError(bounds.error) == 0, !(bounds.lowerBound...bounds.upperBound).contains(value) {
            let reason = bounds.upperBound == 0 && parameter == ZSTD_c_nbWorkers
                ? "this libzstd was built without multithreading"
                : "this libzstd accepts \(bounds.lowerBound)...\(bounds.upperBound)"
            throw ZstdError(code: .invalidParameter, message: "\(name) \(value) is out of range: \(reason)", path: path)
        }
        let result = ZSTD_CCtx_setParameter(context, parameter, value)
        guard ZSTD_isError(result) != 0 else { return }
        throw ZstdError(code: .invalidParameter,
                        message: "\(name) \(value) was refused: \(String(cString: ZSTD_getErrorName(result)))",
                        path: path)
    }
}
