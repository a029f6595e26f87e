import Display
import Foundation
import Postgres

/// `manifest.json`: what a snapshot holds and how to check it, written last so a folder with a
/// manifest is a finished export.
///
/// Everything needed to import lives here (columns and types, not `schema.sql`), so a snapshot is
/// checked against one document. Keys are snake_case and written sorted, so two manifests of the
/// same tables differ only in `created_at` (and whatever the checkpoint says).
public struct SnapshotManifest: Codable, Sendable, Equatable {
    /// Bumped when a reader of the previous version would misread the snapshot.
    public static let currentFormatVersion = 1
    public static let fileName = "manifest.json"
    public static let schemaFileName = "schema.sql"

    public var formatVersion: Int
    /// The `backfill` version that wrote it.
    public var toolVersion: String
    /// When the export started (UTC, RFC 3339); the tables are as of one transaction at that time.
    public var createdAt: String
    public var source: Source
    /// The Kafka offsets the tables reflect, when the export was told (`--checkpoint`).
    public var checkpoint: Checkpoint?
    public var compression: Compression
    /// SHA-256 of `schema.sql`, which is for people and psql; import reads `tables` instead.
    public var schemaSQLSHA256: String
    public var tables: [Table]

    public init(formatVersion: Int = SnapshotManifest.currentFormatVersion, toolVersion: String, createdAt: String, source: Source,
                checkpoint: Checkpoint?, compression: Compression, schemaSQLSHA256: String, tables: [Table]) {
        self.formatVersion = formatVersion
        self.toolVersion = toolVersion
        self.createdAt = createdAt
        self.source = source
        self.checkpoint = checkpoint
        self.compression = compression
        self.schemaSQLSHA256 = schemaSQLSHA256
        self.tables = tables
    }

    /// Where the tables came from. Never a password: only names a reader can act on.
    public struct Source: Codable, Sendable, Equatable {
        public var host: String
        public var port: Int?
        public var database: String
        public var schema: String

        public init(host: String, port: Int?, database: String, schema: String) {
            self.host = host
            self.port = port
            self.database = database
            self.schema = schema
        }
    }

    /// The checkpoint type every manifest shares (`Store.Checkpoint`), as the snapshot records it.
    public typealias Checkpoint = Store.Checkpoint
    public typealias PartitionOffset = Checkpoint.PartitionOffset

    /// Recorded because zstd's output depends on both: equal bytes need equal settings.
    public struct Compression: Codable, Sendable, Equatable {
        public var algorithm: String
        public var level: Int32
        public var workers: Int32

        public init(algorithm: String, level: Int32, workers: Int32) {
            self.algorithm = algorithm
            self.level = level
            self.workers = workers
        }
    }

    public struct Column: Codable, Sendable, Equatable {
        public var name: String
        /// As `format_type` spells it (`timestamp with time zone`, `character varying(20)`).
        public var type: String
        public var nullable: Bool

        public init(name: String, type: String, nullable: Bool) {
            self.name = name
            self.type = type
            self.nullable = nullable
        }
    }

    public struct Table: Codable, Sendable, Equatable {
        public var name: String
        /// The table file in the snapshot folder, e.g. `links.copy.zst`.
        public var file: String
        public var columns: [Column]
        /// The rows are in this order (text columns compared bytewise); empty for a table without
        /// one, whose rows are ordered by their whole text instead.
        public var primaryKey: [String]
        public var rows: Int64
        public var uncompressedBytes: Int64
        public var compressedBytes: Int64
        public var uncompressedSHA256: String
        public var compressedSHA256: String

        public init(name: String, file: String, columns: [Column], primaryKey: [String], rows: Int64, uncompressedBytes: Int64,
                    compressedBytes: Int64, uncompressedSHA256: String, compressedSHA256: String) {
            self.name = name
            self.file = file
            self.columns = columns
            self.primaryKey = primaryKey
            self.rows = rows
            self.uncompressedBytes = uncompressedBytes
            self.compressedBytes = compressedBytes
            self.uncompressedSHA256 = uncompressedSHA256
            self.compressedSHA256 = compressedSHA256
        }

        enum CodingKeys: String, CodingKey {
            case name, file, columns, rows
            case primaryKey = "primary_key"
            case uncompressedBytes = "uncompressed_bytes", compressedBytes = "compressed_bytes"
            case uncompressedSHA256 = "uncompressed_sha256", compressedSHA256 = "compressed_sha256"
        }
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", toolVersion = "tool_version", createdAt = "created_at"
        case source, checkpoint, compression, tables
        case schemaSQLSHA256 = "schema_sql_sha256"
    }

    public var totalRows: Int64 { tables.reduce(0) { $0 + $1.rows } }
    public var totalUncompressedBytes: Int64 { tables.reduce(0) { $0 + $1.uncompressedBytes } }
    public var totalCompressedBytes: Int64 { tables.reduce(0) { $0 + $1.compressedBytes } }

    public func table(named name: String) -> Table? { tables.first { $0.name == name } }

    // MARK: Reading and writing

    /// Pretty, sorted JSON ending in a newline.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Reads `manifest.json` from a snapshot folder and checks that it is one this version can
    /// import: a known format version, file names that stay inside the folder, no duplicates.
    public static func read(snapshot directory: String) throws -> SnapshotManifest {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: directory)
                ? "it has no readable \(fileName)" : "it does not exist"
            throw SnapshotError(code: .notASnapshot, snapshot: directory, message: reason)
        }
        return try decode(data, snapshot: directory)
    }

    public static func decode(_ data: Data, snapshot: String) throws -> SnapshotManifest {
        struct VersionProbe: Decodable {
            var formatVersion: Int?
            enum CodingKeys: String, CodingKey { case formatVersion = "format_version" }
        }
        // Look at the version first, so a future format says so instead of failing on a field.
        let probe: VersionProbe
        do {
            probe = try JSONDecoder().decode(VersionProbe.self, from: data)
        } catch {
            throw SnapshotError(code: .notASnapshot, snapshot: snapshot,
                                message: "\(fileName) is not a JSON object with a format_version")
        }
        guard probe.formatVersion == currentFormatVersion else {
            throw SnapshotError(code: .unsupportedFormat, snapshot: snapshot,
                                message: "its format_version is \(probe.formatVersion.map(String.init) ?? "missing"), this version reads \(currentFormatVersion)")
        }
        let manifest: SnapshotManifest
        do {
            manifest = try JSONDecoder().decode(SnapshotManifest.self, from: data)
        } catch let error as DecodingError {
            throw SnapshotError(code: .invalidManifest, snapshot: snapshot, message: error.sentence)
        } catch let problem as Checkpoint.Problem {
            let reason = switch problem {
            case .notAPartition(let partition): "its checkpoint names partition \(partition), which is not a partition number"
            case .negativeEnd(let partition, let end): "its checkpoint gives partition \(partition) the negative offset \(end)"
            case .listedTwice(let partition, _, _): "its checkpoint lists partition \(partition) twice, so where the next run starts is ambiguous"
            }
            throw SnapshotError(code: .invalidManifest, snapshot: snapshot, message: reason)
        }
        try manifest.validate(snapshot: snapshot)
        return manifest
    }

    /// The checks that make the manifest safe to act on (a file name like `../x` must never be
    /// opened) and internally consistent.
    public func validate(snapshot: String) throws {
        func invalid(_ message: String) -> SnapshotError {
            SnapshotError(code: .invalidManifest, snapshot: snapshot, message: message)
        }
        guard !tables.isEmpty else { throw invalid("it lists no tables") }
        var names = Set<String>(), files = Set<String>()
        for table in tables {
            guard !table.name.isEmpty else { throw invalid("a table has an empty name") }
            guard names.insert(table.name).inserted else { throw invalid("table \(table.name) is listed twice") }
            guard Self.isPlainFileName(table.file), table.file != Self.fileName, table.file != Self.schemaFileName else {
                throw invalid("table \(table.name) names the file \"\(table.file)\", which is not a plain file name in the snapshot folder")
            }
            guard files.insert(table.file).inserted else { throw invalid("the file \(table.file) is listed twice") }
            guard !table.columns.isEmpty else { throw invalid("table \(table.name) has no columns") }
            let columnNames = table.columns.map(\.name)
            guard Set(columnNames).count == columnNames.count else { throw invalid("table \(table.name) lists a column twice") }
            guard !columnNames.contains(where: \.isEmpty) else { throw invalid("table \(table.name) has a column with an empty name") }
            // Import creates these names: each must survive PostgreSQL's 63-byte limit.
            do {
                try SQL.checkIdentifier(table.name, role: "table")
                for column in table.columns { try SQL.checkIdentifier(column.name, role: "column \(Display.name(column.name)) of table \(Display.name(table.name))") }
            } catch let error as IdentifierError {
                throw invalid("\(error)")
            }
            // Types go into CREATE TABLE as text: only what format_type() writes is accepted.
            for column in table.columns where !TypeName.isValid(column.type) {
                throw invalid("column \(Display.name(column.name)) of table \(Display.name(table.name)) has the type \(Display.name(column.type)), which is not a type name as PostgreSQL's format_type() writes one")
            }
            for key in table.primaryKey where !columnNames.contains(key) {
                throw invalid("the primary key of table \(table.name) names \(key), which is not one of its columns")
            }
            guard table.rows >= 0, table.uncompressedBytes >= 0, table.compressedBytes >= 0 else {
                throw invalid("table \(table.name) has a negative row count or size")
            }
            for digest in [table.uncompressedSHA256, table.compressedSHA256] where !Self.isSHA256(digest) {
                throw invalid("table \(table.name) has \"\(digest)\" where a SHA-256 (64 hex digits) belongs")
            }
        }
        guard Self.isSHA256(schemaSQLSHA256) else {
            throw invalid("schema_sql_sha256 is \"\(schemaSQLSHA256)\", not a SHA-256")
        }
    }

    public static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.hasPrefix(".")
            && !name.contains("/") && !name.contains("\\") && !name.unicodeScalars.contains { $0.value < 0x20 }
    }

    public static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }
}

extension DecodingError {
    /// "tables[2].rows: expected a number" rather than Foundation's multi-line dump.
    public var sentence: String {
        func path(_ context: Context) -> String {
            let parts = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return parts.hasPrefix(".") ? String(parts.dropFirst()) : (parts.isEmpty ? "the top level" : parts)
        }
        switch self {
        case .keyNotFound(let key, let context):
            let at = path(context)
            return "\(at == "the top level" ? "" : at + ".")\(key.stringValue) is missing"
        case .typeMismatch(let type, let context): return "\(path(context)) is not a \(Self.typeName(type))"
        case .valueNotFound(let type, let context): return "\(path(context)) is null where a \(Self.typeName(type)) belongs"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "it does not decode"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "string"
        case is Int.Type, is Int32.Type, is Int64.Type: return "integer"
        case is Bool.Type: return "boolean"
        default: return "\(type)".lowercased()
        }
    }
}
