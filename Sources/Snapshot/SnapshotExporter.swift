import Foundation
import Postgres
import Store
import Zstd

/// Writes tables of one schema to a snapshot folder: one zstd file of COPY text per table,
/// `schema.sql` and `manifest.json`.
///
/// All tables are read in one repeatable-read transaction, so they are a consistent picture of
/// one moment; large tables are read in key ranges over several connections that share its
/// snapshot (`TableExport`). Each table streams from COPY through SHA-256 and zstd into its
/// file in ~1 MiB chunks: memory stays flat whatever the table's size. The folder is assembled under a hidden
/// name and renamed into place when complete, so an interrupted export leaves no folder that
/// could pass for a snapshot.
public struct SnapshotExporter {
    public struct Options: Sendable {
        public var schema: String
        /// Tables to export, in this order; nil exports every table of the schema (by name).
        public var tables: [String]?
        public var level: Int32
        /// zstd worker threads; 0 compresses on the exporting thread. 1 (the default) overlaps
        /// compression with receiving COPY data, which measured ~25 % faster on two cores.
        public var workers: Int32
        /// Connections that read one large table at once, each compressing its key range on its
        /// own thread; 1 reads every table over the exporting connection alone.
        public var parallel: Int
        public var checkpoint: SnapshotManifest.Checkpoint?
        /// The `backfill` version recorded in the manifest.
        public var toolVersion: String

        public init(schema: String, tables: [String]? = nil, level: Int32 = 3, workers: Int32 = 1,
                    parallel: Int = Options.defaultParallel,
                    checkpoint: SnapshotManifest.Checkpoint? = nil, toolVersion: String) {
            self.schema = schema
            self.tables = tables
            self.level = level
            self.workers = workers
            self.parallel = parallel
            self.checkpoint = checkpoint
            self.toolVersion = toolVersion
        }

        /// One connection per two cores (each part keeps about two busy: its server backend and
        /// its compression), at most 4. On two cores one connection is as fast as two: the
        /// server and zstd already run side by side, and parts add a part file to append.
        public static var defaultParallel: Int { min(max(ProcessInfo.processInfo.activeProcessorCount / 2, 1), 4) }
    }

    private let connection: PostgresConnection
    /// Called after each table file is complete (for progress output).
    public var onTableExported: ((SnapshotManifest.Table) -> Void)?
    /// For tests: the part of every split table that fails after its first chunk.
    var failingPart: Int?

    /// Uses `connection` (which must not be inside a transaction) and changes its session
    /// settings to the fixed ones snapshots are written under.
    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Exports to `directory`, which must not exist yet (its parent is created if needed).
    @discardableResult
    public func export(to directory: String, options: Options) throws -> SnapshotManifest {
        let fileManager = FileManager.default
        // Checked before anything is read or created, rather than at the first table file.
        for (name, value, range) in [("level", options.level, ZstdFileWriter.levelRange), ("workers", options.workers, ZstdFileWriter.workerRange)]
        where !range.contains(value) {
            throw SnapshotError(code: .invalidOption, snapshot: directory,
                                message: "zstd \(name) \(value) is out of range (this libzstd accepts \(range.lowerBound)...\(range.upperBound))")
        }
        guard (1...64).contains(options.parallel) else {
            throw SnapshotError(code: .invalidOption, snapshot: directory,
                                message: "parallel \(options.parallel) is out of range (1...64 connections)")
        }
        guard !fileManager.fileExists(atPath: directory) else {
            throw SnapshotError(code: .outputExists, snapshot: directory, message: "it already exists; snapshots are never overwritten")
        }
        let parent = (directory as NSString).deletingLastPathComponent
        let staging = ((parent.isEmpty ? "." : parent) as NSString)
            .appendingPathComponent(".\((directory as NSString).lastPathComponent).partial-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try fileManager.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw SnapshotError(code: .fileSystem, snapshot: directory, message: "creating \(staging) failed: \(error.localizedDescription)")
        }
        do {
            let manifest = try writeSnapshot(into: staging, name: directory, options: options)
            try DurableFiles.publish(staging, as: directory, snapshot: directory)
            return manifest
        } catch {
            try? fileManager.removeItem(atPath: staging)
            throw error
        }
    }

    private func writeSnapshot(into staging: String, name: String, options: Options) throws -> SnapshotManifest {
        let createdAt = Self.timestamp(Date())
        try SessionSettings.apply(to: connection)
        return try connection.transaction { connection in
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try SessionSettings.applyLocally(to: connection)
            // Taken before anything is read, so helper connections see exactly this transaction's data.
            let snapshotID = options.parallel > 1 ? try connection.query("SELECT pg_catalog.pg_export_snapshot()")[0, 0] : nil
            let shapes = try resolveTables(options, snapshot: name)
            let source = try SnapshotManifest.Source.describe(connection, schema: options.schema)
            var tables: [SnapshotManifest.Table] = []
            for shape in shapes {
                let file = Self.fileName(for: shape.name)
                let table = try TableExport(
                    shape: shape, path: (staging as NSString).appendingPathComponent(file), file: file,
                    level: options.level, workers: options.workers, parallel: options.parallel, snapshotID: snapshotID,
                    failingPart: failingPart
                ).run(on: connection)
                tables.append(table)
                onTableExported?(table)
            }
            let script = Data(Self.schemaScript(shapes, schema: options.schema).utf8)
            try DurableFiles.write(script, to: (staging as NSString).appendingPathComponent(SnapshotManifest.schemaFileName), snapshot: name)
            let manifest = SnapshotManifest(
                formatVersion: SnapshotManifest.currentFormatVersion, toolVersion: options.toolVersion,
                createdAt: createdAt, source: source, checkpoint: options.checkpoint,
                compression: .init(algorithm: "zstd", level: options.level, workers: options.workers),
                schemaSQLSHA256: HexDigest.sha256(script), tables: tables)
            try DurableFiles.write(try manifest.encoded(), to: (staging as NSString).appendingPathComponent(SnapshotManifest.fileName), snapshot: name)
            return manifest
        }
    }

    private func resolveTables(_ options: Options, snapshot: String) throws -> [TableShape] {
        let available = try TableCatalog.tableNames(in: options.schema, on: connection)
        let names = options.tables ?? available
        guard !names.isEmpty else {
            throw SnapshotError(code: .noTables, snapshot: snapshot, message: "schema \(options.schema) has no tables")
        }
        let missing = names.filter { !available.contains($0) }
        guard missing.isEmpty else {
            throw SnapshotError(code: .tableNotFound, snapshot: nil,
                                message: "schema \(options.schema) has no table \(missing.joined(separator: ", "))"
                                    + (available.isEmpty ? " (it has none)" : " (it has \(available.joined(separator: ", ")))"))
        }
        guard Set(names).count == names.count else {
            throw SnapshotError(code: .tableNotFound, snapshot: nil, message: "a table is named twice in the list")
        }
        return try names.map { name in
            guard let shape = try TableCatalog.shape(of: name, in: options.schema, on: connection) else {
                throw SnapshotError(code: .tableNotFound, snapshot: nil, message: "table \(options.schema).\(name) disappeared")
            }
            return shape
        }
    }

    // MARK: Pure helpers

    /// `links.copy.zst`. Bytes other than ASCII letters, digits, `_` and `-` are written `%XX`, so
    /// every table name gives a plain file name and different tables give different files.
    static func fileName(for table: String) -> String {
        var stem = ""
        for byte in table.utf8 {
            let plain = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            stem += plain ? String(UnicodeScalar(byte)) : "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
        }
        return "\(stem).copy.zst"
    }

    /// `schema.sql`: the tables as `CREATE TABLE` statements, for people and psql (import reads
    /// the manifest). Contains nothing time-dependent.
    static func schemaScript(_ shapes: [TableShape], schema: String) -> String {
        var script = "-- Tables of schema \(schema) as exported by backfill snapshot export.\n"
        script += "-- Restore with: backfill snapshot import <this folder> --schema <name>\n\n"
        script += "CREATE SCHEMA IF NOT EXISTS \(SQL.quoteIdentifier(schema));\n"
        for shape in shapes {
            script += "\n" + createTableStatement(schema: schema, table: shape.name, columns: shape.columns,
                                                  primaryKey: shape.primaryKey) + ";\n"
        }
        return script
    }

    /// RFC 3339 in UTC, whole seconds.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
