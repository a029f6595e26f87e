import Foundation

/// A checkpoint manifest written as pretty, key-sorted JSON (stable diffs between nights) and
/// replaced atomically, so a crash never leaves half a manifest where `--after` would read it.
/// Run and embedding manifests share this; their keys differ, their files behave the same.
public protocol CheckpointFile: Encodable {}

extension CheckpointFile {
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// Writes to a temporary file beside `path`, then renames it over `path`.
    public func write(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
            try encoded().write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw StoreError(.manifest, "cannot write the manifest \(path): \(String(cString: strerror(errno)))")
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.manifest, "cannot write the manifest \(path): \(error.localizedDescription)")
        }
    }
}
