import Foundation

/// A snapshot folder with its manifest read and validated: the checks of the folder as a whole
/// (files nobody listed, `schema.sql`) and access to its table files.
public struct SnapshotFolder {
    public let path: String
    public let manifest: SnapshotManifest

    public init(path: String) throws {
        self.path = path
        manifest = try SnapshotManifest.read(snapshot: path)
    }

    /// The table files for `names` (all of them when nil), in the manifest's order.
    public func tableFiles(named names: [String]?) throws -> [TableFile] {
        guard let names else { return manifest.tables.map { TableFile(snapshot: path, table: $0) } }
        let missing = names.filter { manifest.table(named: $0) == nil }
        guard missing.isEmpty else {
            throw SnapshotError(code: .tableNotFound, snapshot: path,
                                message: "it has no table \(missing.joined(separator: ", ")) (it has \(manifest.tables.map(\.name).joined(separator: ", ")))")
        }
        return manifest.tables.filter { names.contains($0.name) }.map { TableFile(snapshot: path, table: $0) }
    }

    /// Table files (`*.zst`) in the folder that the manifest does not list: a manifest that does
    /// not describe its folder is not trusted.
    public func checkNoUnlistedFiles() throws {
        let listed = Set(manifest.tables.map(\.file))
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let unlisted = entries.filter { $0.hasSuffix(".zst") && !listed.contains($0) }.sorted()
        guard unlisted.isEmpty else {
            throw SnapshotError(code: .unlistedFile, snapshot: path,
                                message: "\(unlisted.joined(separator: ", ")) \(unlisted.count == 1 ? "is" : "are") not in the manifest")
        }
    }

    /// `schema.sql` is for people, but it travels with the snapshot and should not be silently
    /// different from what was exported.
    public func checkSchemaScript() throws {
        let scriptPath = (path as NSString).appendingPathComponent(SnapshotManifest.schemaFileName)
        guard let data = FileManager.default.contents(atPath: scriptPath) else {
            throw SnapshotError(code: .missingFile, snapshot: path, message: "\(SnapshotManifest.schemaFileName) is missing")
        }
        let digest = HexDigest.sha256(data)
        guard digest == manifest.schemaSQLSHA256 else {
            throw SnapshotError(code: .digestMismatch, snapshot: path,
                                message: "\(SnapshotManifest.schemaFileName) has SHA-256 \(digest.prefix(12))… but the manifest says \(manifest.schemaSQLSHA256.prefix(12))…")
        }
    }
}
