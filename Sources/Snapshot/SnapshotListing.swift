import Foundation

/// The snapshots in a folder (usually `snapshots/`), read from their manifests alone: cheap
/// enough to run on every listing, with `SnapshotVerifier` for the full check.
public enum SnapshotListing {
    public struct Entry: Sendable {
        public var name: String
        public var path: String
        /// nil when the manifest cannot be read; `problem` says why.
        public var manifest: SnapshotManifest?
        public var problem: SnapshotError?
    }

    /// Every subfolder of `directory` except hidden ones (exports in progress are hidden), oldest
    /// first. A subfolder without a readable manifest is listed with its problem, so a broken
    /// snapshot is seen rather than skipped. `manifests/` holds run manifests, not a snapshot.
    public static let runManifestFolder = "manifests"

    public static func list(directory: String) throws -> [Entry] {
        let fileManager = FileManager.default
        let names: [String]
        do {
            names = try fileManager.contentsOfDirectory(atPath: directory)
        } catch {
            throw SnapshotError(code: .fileSystem, snapshot: nil, message: "cannot list \(directory): it does not exist or is not readable")
        }
        var entries: [Entry] = []
        for name in names where !name.hasPrefix(".") && name != runManifestFolder {
            let path = (directory as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            do {
                entries.append(Entry(name: name, path: path, manifest: try SnapshotManifest.read(snapshot: path), problem: nil))
            } catch let error as SnapshotError {
                entries.append(Entry(name: name, path: path, manifest: nil, problem: error))
            }
        }
        // RFC 3339 UTC timestamps sort as text; unreadable ones go first, by name.
        return entries.sorted { ($0.manifest?.createdAt ?? "", $0.name) < ($1.manifest?.createdAt ?? "", $1.name) }
    }
}
