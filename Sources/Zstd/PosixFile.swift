#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file descriptor with the loops POSIX leaves to the caller (short reads and writes,
/// EINTR) and errors that name the file. Plain syscalls: no buffering layer between zstd's
/// large buffers and the kernel.
final class PosixFile {
    let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Creates or truncates `path` for writing.
    static func create(_ path: String) throws -> PosixFile {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw error(.openFailed, "creating it failed", path) }
        return PosixFile(path: path, descriptor: descriptor)
    }

    static func openForReading(_ path: String) throws -> PosixFile {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw error(.openFailed, "opening it failed", path) }
        return PosixFile(path: path, descriptor: descriptor)
    }

    deinit { close() }

    func close() {
        guard descriptor >= 0 else { return }
        _ = systemClose(descriptor)
        descriptor = -1
    }

    func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard var next = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = systemWrite(descriptor, next, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.error(.writeFailed, "write failed", path)
            }
            next += written
            remaining -= written
        }
    }

    /// Fills as much of `buffer` as the file still has; 0 means end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var filled = 0
        while filled < buffer.count {
            let count = systemRead(descriptor, base + filled, buffer.count - filled)
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.error(.readFailed, "read failed", path)
            }
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    func rewind() throws {
        guard lseek(descriptor, 0, SEEK_SET) == 0 else { throw Self.error(.readFailed, "seeking to the start failed", path) }
    }

    /// Makes the data durable before the caller records the file as complete.
    func sync() throws {
        guard fsync(descriptor) == 0 else { throw Self.error(.writeFailed, "fsync failed", path) }
    }

    private static func error(_ code: ZstdError.Code, _ what: String, _ path: String) -> ZstdError {
        ZstdError(code: code, message: "\(what): \(String(cString: strerror(errno)))", path: path)
    }
}

// The libc calls under names that the methods above do not shadow.
private func systemClose(_ descriptor: Int32) -> Int32 { close(descriptor) }
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(descriptor, bytes, count) }
private func systemRead(_ descriptor: Int32, _ bytes: UnsafeMutableRawPointer, _ count: Int) -> Int { read(descriptor, bytes, count) }
