/// Streams a `.zst` file back out, verifying it as it goes.
///
/// `read` succeeds only for a file that ends exactly after a complete frame whose checksum (if
/// it has one) matches; everything else throws a `ZstdError`. Chunks already handed to the
/// caller before such an error come from a bad file and must be discarded.
public final class ZstdFileReader {
    public let path: String
    private let file: PosixFile
    private let onCompressedBytes: ((UnsafeRawBufferPointer) -> Void)?
    /// Large reads: one syscall per megabyte rather than per zstd block.
    private static let inputCapacity = 1 << 20

    /// - Parameter onCompressedBytes: sees every byte of the file as it is read, in order,
    ///   e.g. to check its SHA-256 in the same pass.
    public init(path: String, onCompressedBytes: ((UnsafeRawBufferPointer) -> Void)? = nil) throws {
        self.path = path
        self.onCompressedBytes = onCompressedBytes
        file = try PosixFile.openForReading(path)
    }

    /// Decompresses the whole file from the start, calling `chunk` with each piece of output.
    /// The buffer passed to `chunk` is only valid during the call (it is reused).
    /// Returns the number of uncompressed bytes. May be called again to read the file again.
    @discardableResult
    public func read(chunk: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        try read(compressed: { onCompressedBytes?($0) }, chunk: chunk).uncompressedBytes
    }

    /// `read`, with `compressed` seeing each block of the file before it is decoded (and able to
    /// stop the read by throwing). Also returns the number of frames.
    func read(compressed: (UnsafeRawBufferPointer) throws -> Void,
              chunk: (UnsafeRawBufferPointer) throws -> Void) throws -> (uncompressedBytes: Int64, frames: Int) {
        try file.rewind()
        let decoder = try ZstdStreamDecoder(path: path)
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.inputCapacity, alignment: 16)
        defer { input.deallocate() }
        while true {
            let count = try file.read(into: input)
            if count == 0 { break }
            let bytes = UnsafeRawBufferPointer(rebasing: input[0..<count])
            try compressed(bytes)
            try decoder.feed(bytes, chunk)
        }
        try decoder.finish()
        return (decoder.uncompressedBytes, decoder.frames)
    }
}
