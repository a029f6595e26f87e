/// Reads a snapshot's tables back for other tools (the diff): the validated manifest and, per
/// table, its COPY text streamed out of the zstd file while every digest, size and row count is
/// checked, so a comparison never trusts bytes the manifest does not vouch for.
///
/// The folder as a whole (unlisted files, `schema.sql`) is checked when it is opened.
public struct SnapshotReader: Sendable {
    public let path: String
    public let manifest: SnapshotManifest

    public init(path: String) throws {
        let folder = try SnapshotFolder(path: path)
        try folder.checkNoUnlistedFiles()
        try folder.checkSchemaScript()
        self.path = path
        self.manifest = folder.manifest
    }

    /// Streams table `name`'s COPY text (rows in primary-key order) to `sink`, chunk by chunk,
    /// and returns its row count. The checks against the manifest complete only at the end of
    /// the file: when this throws, whatever `sink` saw must be discarded.
    @discardableResult
    public func stream(table name: String, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        guard let table = manifest.table(named: name) else {
            throw SnapshotError(code: .tableNotFound, snapshot: path,
                                message: "it has no table \(name) (it has \(manifest.tables.map(\.name).joined(separator: ", ")))")
        }
        return try TableFile(snapshot: path, table: table).stream(sink)
    }
}
