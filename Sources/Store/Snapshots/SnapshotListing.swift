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

extension SnapshotListing {
    /// The folder of an export that has not finished: `SnapshotExporter` writes into
    /// `.<name>.partial-<n>` and renames it to `<name>` at the end, so one that stays behind
    /// belongs to an export that was killed (or is still running: see `lastWritten`).
    public struct Partial: Sendable, Equatable {
        public var name: String
        public var path: String
        /// The snapshot it would have become.
        public var snapshot: String
        /// The newest modification time of the folder and its files: a running export writes
        /// continuously, a killed one stopped at this instant.
        public var lastWritten: Date
    }

    /// `.<name>.partial-<digits>` gives `<name>`; any other name nil.
    public static func partialTarget(_ name: String) -> String? {
        guard name.hasPrefix("."), let marker = name.range(of: ".partial-", options: .backwards),
              marker.lowerBound > name.index(after: name.startIndex) else { return nil }
        let digits = name[marker.upperBound...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return String(name[name.index(after: name.startIndex)..<marker.lowerBound])
    }

    /// The partial folders of `directory`, oldest write first; none when it cannot be listed.
    public static func partials(directory: String) -> [Partial] {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: directory) else { return [] }
        var found: [Partial] = []
        for name in names {
            guard let target = partialTarget(name) else { continue }
            let path = (directory as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            var newest = modified(path) ?? .distantPast
            for file in (try? fileManager.contentsOfDirectory(atPath: path)) ?? [] {
                if let date = modified((path as NSString).appendingPathComponent(file)), date > newest { newest = date }
            }
            found.append(Partial(name: name, path: path, snapshot: target, lastWritten: newest))
        }
        return found.sorted { ($0.lastWritten, $0.name) < ($1.lastWritten, $1.name) }
    }

    private static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}
