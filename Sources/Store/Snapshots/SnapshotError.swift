/// Everything that can go wrong exporting, verifying or importing a snapshot, as one typed error.
///
/// Callers branch on `code`; `description` is the one sentence an operator reads, naming the
/// snapshot and the file or table involved. Failures of PostgreSQL itself travel as
/// `PostgresError` unless they say something about the snapshot (data that does not fit the
/// manifest's columns), and zstd's complaints about a table file become `.damagedFile` here.
public struct SnapshotError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; an open set of constants so new kinds don't break switches.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        // The snapshot folder or its manifest.
        /// The folder has no readable `manifest.json`.
        public static let notASnapshot = Code("notASnapshot")
        /// The manifest was written by a newer (or unknown) format version.
        public static let unsupportedFormat = Code("unsupportedFormat")
        /// The manifest is JSON but describes something impossible (unsafe file names, duplicates…).
        public static let invalidManifest = Code("invalidManifest")

        // Damage: the files and the manifest disagree.
        /// A file the manifest lists is not there.
        public static let missingFile = Code("missingFile")
        /// A table file is in the folder but not in the manifest.
        public static let unlistedFile = Code("unlistedFile")
        /// A file's size differs from the manifest's.
        public static let sizeMismatch = Code("sizeMismatch")
        /// A file's SHA-256 (compressed or uncompressed) differs from the manifest's.
        public static let digestMismatch = Code("digestMismatch")
        /// A table file holds a different number of rows than the manifest says.
        public static let rowCountMismatch = Code("rowCountMismatch")
        /// zstd rejected a table file (truncated, corrupted, checksum, trailing garbage).
        public static let damagedFile = Code("damagedFile")
        /// PostgreSQL rejected a table file's rows for the manifest's columns.
        public static let columnMismatch = Code("columnMismatch")

        // Requests that cannot be carried out.
        /// The export folder already exists.
        public static let outputExists = Code("outputExists")
        /// A compression level or worker count this libzstd does not accept.
        public static let invalidOption = Code("invalidOption")
        /// A requested table is not in the schema (export) or not in the snapshot (import).
        public static let tableNotFound = Code("tableNotFound")
        /// Nothing to export: the schema has no tables.
        public static let noTables = Code("noTables")
        /// The target schema already holds objects and replacing it was not asked for.
        public static let schemaNotEmpty = Code("schemaNotEmpty")
        /// Restoring into an existing schema, a table of the snapshot already exists there.
        public static let tableExists = Code("tableExists")
        /// Replacing the schema would also drop objects in other schemas that depend on it.
        public static let hasDependents = Code("hasDependents")
        /// The `--checkpoint` run manifest cannot be read.
        public static let invalidCheckpoint = Code("invalidCheckpoint")
        /// A file or folder could not be read or written.
        public static let fileSystem = Code("fileSystem")

        public var description: String { name }
    }

    public var code: Code
    /// The snapshot folder concerned (the export target for exports).
    public var snapshot: String?
    /// What exactly is wrong, naming the file or table.
    public var message: String

    public init(code: Code, snapshot: String?, message: String) {
        self.code = code
        self.snapshot = snapshot
        self.message = message
    }

    /// True when the snapshot's files are damaged or do not match its manifest: the snapshot
    /// cannot be trusted, as opposed to a request that cannot be carried out.
    public var isDamage: Bool {
        [.missingFile, .unlistedFile, .sizeMismatch, .digestMismatch, .rowCountMismatch, .damagedFile,
         .columnMismatch, .invalidManifest, .unsupportedFormat, .notASnapshot].contains(code)
    }

    public var description: String {
        let name = snapshot.map { "snapshot \($0)" } ?? "the snapshot"
        let lead: String
        switch code {
        case .notASnapshot: lead = "\(snapshot ?? "The folder") is not a snapshot"
        case .unsupportedFormat: lead = "\(name.capitalizedFirst) has a manifest this version cannot read"
        case .invalidManifest: lead = "\(name.capitalizedFirst) has an invalid manifest"
        case .missingFile, .unlistedFile, .sizeMismatch, .digestMismatch, .rowCountMismatch, .damagedFile, .columnMismatch:
            lead = "\(name.capitalizedFirst) is corrupt"
        case .outputExists, .noTables, .invalidOption: lead = "Cannot export to \(snapshot ?? "the snapshot folder")"
        case .tableNotFound: lead = snapshot.map { "Cannot use snapshot \($0)" } ?? "Cannot export"
        case .schemaNotEmpty, .tableExists, .hasDependents: lead = "Cannot import \(name)"
        case .invalidCheckpoint: lead = "Cannot read the checkpoint for \(name)"
        case .fileSystem: lead = "File access failed for \(name)"
        default: lead = "\(name.capitalizedFirst) failed (\(code.name))"
        }
        return "\(lead): \(message)"
    }
}

extension String {
    fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
