import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file operations an export needs to be all-or-nothing on disk: small files written
/// and fsynced, and a folder that appears under its final name only once it is complete.
public enum DurableFiles {
    /// Replaces `path` with `data` so that a crash leaves either the old file or the whole new
    /// one, and the new one survives: written beside it, fsynced, renamed over it, folder synced.
    /// For small records a later run must be able to trust (a cleanup's intent).
    public static func replace(_ data: Data, at path: String) throws {
        let temporary = ((path as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent(".\((path as NSString).lastPathComponent).tmp")
        try write(data, to: temporary, snapshot: path)
        guard rename(temporary, path) == 0 else { throw failure("renaming \(temporary) to \(path)", path) }
        syncDirectory((path as NSString).deletingLastPathComponent)
    }

    /// Writes `data` to `path` and fsyncs it, so a manifest is never recorded before its bytes.
    public static func write(_ data: Data, to path: String, snapshot: String) throws {
        do {
            let url = URL(fileURLWithPath: path)
            try data.write(to: url)
            let handle = try FileHandle(forUpdating: url)
            defer { try? handle.close() }
            try handle.synchronize()
        } catch {
            throw SnapshotError(code: .fileSystem, snapshot: snapshot, message: "writing \(path) failed: \(error.localizedDescription)")
        }
    }

    /// Renames the finished folder into place (atomic within one file system) and syncs the
    /// parent so the rename survives a crash. Refuses to replace an existing folder.
    public static func publish(_ staging: String, as final: String, snapshot: String) throws {
        // rename(2) would replace an empty folder at `final`; a snapshot must never replace anything.
        guard !FileManager.default.fileExists(atPath: final) else {
            throw SnapshotError(code: .outputExists, snapshot: snapshot, message: "it appeared while exporting")
        }
        guard rename(staging, final) == 0 else { throw failure("renaming \(staging) to \(final)", snapshot) }
        syncDirectory((final as NSString).deletingLastPathComponent)
    }

    public static func syncDirectory(_ path: String) {
        let descriptor = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    private static func failure(_ what: String, _ snapshot: String) -> SnapshotError {
        SnapshotError(code: .fileSystem, snapshot: snapshot, message: "\(what) failed: \(String(cString: strerror(errno)))")
    }
}
