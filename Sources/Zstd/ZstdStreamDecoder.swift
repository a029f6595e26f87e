import CZstd

/// Streaming decompression with the checks a backup needs: input is fed in pieces, output is
/// handed on as it is produced, and at the end the stream must have closed cleanly. Any of
/// truncation, damage, a checksum mismatch or bytes after the last frame is an error.
///
/// Concatenated frames are accepted (as the zstd tool does): they are still zstd.
final class ZstdStreamDecoder {
    private let context: OpaquePointer
    private let output: UnsafeMutableRawBufferPointer
    private let path: String?
    private var framesCompleted = 0
    /// Complete frames decoded so far.
    var frames: Int { framesCompleted }
    /// Compressed bytes consumed of the frame being decoded; 0 between frames.
    private var bytesIntoFrame = 0
    private(set) var compressedBytes: Int64 = 0
    private(set) var uncompressedBytes: Int64 = 0

    init(path: String?, outputCapacity: Int = 1 << 20) throws {
        guard let context = ZSTD_createDCtx() else {
            throw ZstdError(code: .outOfMemory, message: "could not allocate a decompression context", path: path)
        }
        self.context = context
        self.path = path
        output = .allocate(byteCount: max(outputCapacity, ZSTD_DStreamOutSize()), alignment: 16)
    }

    deinit {
        ZSTD_freeDCtx(context)
        output.deallocate()
    }

    /// Decodes `input`, calling `sink` with each piece of output. Output handed on before an
    /// error is thrown belongs to a stream that turned out bad: callers must discard it.
    func feed(_ input: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var outputWasFull = false
        while source.pos < source.size || outputWasFull {
            var destination = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let before = source.pos
            let result = ZSTD_decompressStream(context, &destination, &source)
            if ZSTD_isError(result) != 0 {
                throw error(for: result, at: compressedBytes + Int64(before))
            }
            let consumed = source.pos - before
            compressedBytes += Int64(consumed)
            bytesIntoFrame += consumed
            if destination.pos > 0 {
                uncompressedBytes += Int64(destination.pos)
                try sink(UnsafeRawBufferPointer(start: output.baseAddress, count: destination.pos))
            }
            outputWasFull = destination.pos == destination.size
            if result == 0 {
                framesCompleted += 1
                bytesIntoFrame = 0
            }
        }
    }

    /// Call at end of input: throws unless the last frame was complete.
    func finish() throws {
        if bytesIntoFrame == 0 {
            guard framesCompleted > 0 else {
                throw ZstdError(code: .notZstd, message: "it is empty", path: path)
            }
            return
        }
        // Fewer bytes than a magic number after a complete frame cannot be a second frame.
        if framesCompleted > 0, bytesIntoFrame < 4 {
            throw ZstdError(code: .trailingGarbage,
                            message: "\(bytesIntoFrame) stray bytes follow the last complete frame", path: path)
        }
        if framesCompleted == 0, bytesIntoFrame < 4 {
            throw ZstdError(code: .notZstd, message: "it is only \(bytesIntoFrame) bytes long", path: path)
        }
        throw ZstdError(code: .truncated,
                        message: "it ends in the middle of a frame after \(compressedBytes) compressed bytes", path: path)
    }

    private func error(for result: Int, at offset: Int64) -> ZstdError {
        let name = String(cString: ZSTD_getErrorName(result))
        switch ZstdErrorCode(result) {
        case .prefixUnknown where framesCompleted > 0 && bytesIntoFrame == 0:
            return ZstdError(code: .trailingGarbage,
                             message: "bytes that are not a zstd frame follow the last complete frame at offset \(offset)",
                             path: path)
        case .prefixUnknown:
            return ZstdError(code: .notZstd, message: "it does not start with the zstd magic number", path: path)
        case .checksumWrong:
            return ZstdError(code: .checksumMismatch,
                             message: "the decoded data differs from what was compressed (\(name))", path: path)
        case .memoryAllocation:
            return ZstdError(code: .outOfMemory, message: name, path: path)
        default:
            return ZstdError(code: .corrupted, message: "\(name) at compressed byte \(offset)", path: path)
        }
    }
}

/// The stable (< 100) values of libzstd's `ZSTD_ErrorCode`. The module map only includes
/// zstd.h, which lacks `ZSTD_getErrorCode`; its definition is exactly `0 - result`.
enum ZstdErrorCode: Int {
    case prefixUnknown = 10
    case checksumWrong = 22
    case memoryAllocation = 64
    case other = -1

    init(_ result: Int) {
        self = ZstdErrorCode(rawValue: 0 &- result) ?? .other
    }
}
