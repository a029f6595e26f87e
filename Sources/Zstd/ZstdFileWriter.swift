import CZstd

/// Streams data into a `.zst` file: one frame, or several when the caller ends them with
/// `endFrame` (concatenated frames are one valid zstd stream), each with its content checksum
/// on, so a reader detects any damage; optionally compressed on several threads (libzstd's own
/// workers).
///
/// Not thread-safe: one producer writes, then calls `finish`. A writer dropped without
/// `finish` leaves a file with no frame end, which every zstd reader rejects as truncated:
/// an interrupted snapshot can never pass for a complete one.
public final class ZstdFileWriter {
    public let path: String
    private var file: PosixFile?
    private let context: OpaquePointer
    private let output: UnsafeMutableRawBufferPointer
    private var outputUsed = 0
    /// Once a step failed, the frame is unusable: every later call throws this.
    private var failure: ZstdError?
    private let onCompressedBytes: ((UnsafeRawBufferPointer) -> Void)?
    public private(set) var uncompressedBytes: Int64 = 0
    public private(set) var compressedBytes: Int64 = 0
    /// Data was written since the last frame ended.
    private var frameOpen = false
    /// Frames ended (by `endFrame`, or the one `finish` ends).
    public private(set) var frames = 0

    /// - Parameters:
    ///   - level: zstd level (3 is zstd's default; negative levels are faster still).
    ///   - workers: compression threads besides the caller's; 0 compresses on the calling thread.
    ///   - onCompressedBytes: sees every compressed byte just before it is written, in order,
    ///     e.g. to hash the file without reading it back.
    public init(
        path: String, level: Int32 = 3, workers: Int32 = 0,
        onCompressedBytes: ((UnsafeRawBufferPointer) -> Void)? = nil
    ) throws {
        guard let context = ZSTD_createCCtx() else {
            throw ZstdError(code: .outOfMemory, message: "could not allocate a compression context", path: path)
        }
        do {
            try CompressionParameters.set(ZSTD_c_compressionLevel, level, "level", on: context, path: path)
            try CompressionParameters.set(ZSTD_c_checksumFlag, 1, "content checksum", on: context, path: path)
            if workers != 0 {
                try CompressionParameters.set(ZSTD_c_nbWorkers, workers, "workers", on: context, path: path)
            }
            file = try PosixFile.create(path)
        } catch {
            ZSTD_freeCCtx(context)
            throw error
        }
        self.path = path
        self.context = context
        self.onCompressedBytes = onCompressedBytes
        // Room for several blocks, so the file sees few large writes.
        output = .allocate(byteCount: max(4 * ZSTD_CStreamOutSize(), 1 << 20), alignment: 16)
    }

    deinit {
        ZSTD_freeCCtx(context)
        output.deallocate()
    }

    /// The range libzstd accepts for the worker count; an upper bound of 0 means it was built
    /// without multithreading.
    public static var workerRange: ClosedRange<Int32> {
        let bounds = ZSTD_cParam_getBounds(ZSTD_c_nbWorkers)
        guard ZSTD_isError(bounds.error) == 0 else { return 0...0 }
        return bounds.lowerBound...bounds.upperBound
    }

    public static var levelRange: ClosedRange<Int32> { ZSTD_minCLevel()...ZSTD_maxCLevel() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        try compress(bytes, directive: ZSTD_e_continue)
        uncompressedBytes += Int64(bytes.count)
        frameOpen = true
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Ends the current frame (if data was written since the last one ended); later data starts
    /// a new frame. Frame boundaries are where the caller puts them, whatever the sizes of the
    /// `write` calls, so output is a function of the data and these calls alone.
    public func endFrame() throws {
        guard frameOpen else { return }
        try compress(UnsafeRawBufferPointer(start: nil, count: 0), directive: ZSTD_e_end)
        frameOpen = false
        frames += 1
    }

    /// Appends the frames of another finished `.zst` file (one compressed in parallel, say)
    /// between frames of this one, decoding them on the way so that `decoded` sees their data
    /// in order and a damaged file is refused. `onCompressedBytes` sees the appended bytes like
    /// any other output. Returns the number of bytes decoded.
    @discardableResult
    public func appendFrames(ofFile source: String, decoded: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        if let failure { throw failure }
        guard !frameOpen else {
            throw ZstdError(code: .writerClosed, message: "frames can only be appended between frames", path: path)
        }
        let read: (uncompressedBytes: Int64, frames: Int)
        do {
            try drain()
            read = try ZstdFileReader(path: source).read(compressed: { bytes in
                onCompressedBytes?(bytes)
                guard let file else {
                    throw ZstdError(code: .writerClosed, message: "the file is already closed", path: path)
                }
                try file.writeAll(bytes)
                compressedBytes += Int64(bytes.count)
            }, chunk: decoded)
        } catch let error as ZstdError {
            failure = error
            throw error
        }
        frames += read.frames
        uncompressedBytes += read.uncompressedBytes
        return read.uncompressedBytes
    }

    /// Ends the last frame (writing its checksum), flushes and fsyncs the file, and closes it.
    /// A file that got no data at all still gets one (empty) frame, so it is valid zstd.
    /// Only after this returns is the file complete.
    @discardableResult
    public func finish() throws -> (uncompressedBytes: Int64, compressedBytes: Int64) {
        if frameOpen || (frames == 0 && compressedBytes == 0) {
            try compress(UnsafeRawBufferPointer(start: nil, count: 0), directive: ZSTD_e_end)
            frameOpen = false
            frames += 1
        }
        do {
            try drain()
            try file?.sync()
            file?.close()
            file = nil
            failure = ZstdError(code: .writerClosed, message: "finish() was already called", path: path)
        } catch let error as ZstdError {
            failure = error
            throw error
        }
        return (uncompressedBytes, compressedBytes)
    }

    /// Feeds `input` to libzstd until it has taken all of it (and, for `ZSTD_e_end`, until the
    /// frame is fully flushed), writing output whenever the buffer nears full.
    private func compress(_ input: UnsafeRawBufferPointer, directive: ZSTD_EndDirective) throws {
        if let failure { throw failure }
        do {
            var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            while true {
                var destination = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: outputUsed)
                let remaining = ZSTD_compressStream2(context, &destination, &source, directive)
                if ZSTD_isError(remaining) != 0 {
                    throw ZstdError(code: .compressionFailed, message: String(cString: ZSTD_getErrorName(remaining)), path: path)
                }
                outputUsed = destination.pos
                if output.count - outputUsed < ZSTD_CStreamOutSize() { try drain() }
                let done = directive == ZSTD_e_end ? remaining == 0 : source.pos == source.size
                if done { return }
            }
        } catch let error as ZstdError {
            failure = error
            throw error
        }
    }

    private func drain() throws {
        guard outputUsed > 0 else { return }
        let bytes = UnsafeRawBufferPointer(start: output.baseAddress, count: outputUsed)
        onCompressedBytes?(bytes)
        guard let file else {
            throw ZstdError(code: .writerClosed, message: "the file is already closed", path: path)
        }
        try file.writeAll(bytes)
        compressedBytes += Int64(outputUsed)
        outputUsed = 0
    }
}
