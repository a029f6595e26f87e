/// Checks a snapshot folder without a database: every table file is decompressed and hashed and
/// compared with the manifest, and the folder must hold exactly what the manifest lists.
public enum SnapshotVerifier {
    public struct Report: Sendable {
        public var snapshot: String
        public var manifest: SnapshotManifest
        /// Per table in manifest order: nil when the file checked out.
        public var tables: [(table: SnapshotManifest.Table, problem: SnapshotError?)]
        /// Problems of the folder as a whole (`schema.sql`, files the manifest does not list).
        public var folderProblems: [SnapshotError]

        public var problems: [SnapshotError] { folderProblems + tables.compactMap(\.problem) }
        public var isValid: Bool { problems.isEmpty }
    }

    /// Checks everything and reports every problem, not just the first. Throws only when the
    /// manifest itself cannot be read (there is nothing to check against).
    public static func verify(snapshot directory: String) throws -> Report {
        let folder = try SnapshotFolder(path: directory)
        var folderProblems: [SnapshotError] = []
        for check in [folder.checkSchemaScript, folder.checkNoUnlistedFiles] {
            do { try check() } catch let error as SnapshotError { folderProblems.append(error) }
        }
        let tables = try folder.tableFiles(named: nil).map { file -> (SnapshotManifest.Table, SnapshotError?) in
            do {
                try file.stream { _ in }
                return (file.table, nil)
            } catch let error as SnapshotError {
                return (file.table, error)
            }
        }
        return Report(snapshot: directory, manifest: folder.manifest, tables: tables, folderProblems: folderProblems)
    }
}
