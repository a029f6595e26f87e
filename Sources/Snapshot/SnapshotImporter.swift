import Foundation
import Postgres
import Store

/// Loads a snapshot into PostgreSQL, checking every byte against the manifest on the way in.
///
/// Everything happens in one transaction: the tables are created, filled by COPY straight from
/// the decompressing, hashing reader, checked (digests, sizes, row counts) before each COPY is
/// allowed to end, and only then made visible. A damaged file, a manifest that does not match,
/// or rows that do not fit the columns abort the COPY and roll the transaction back, so the
/// database is exactly as it was.
public struct SnapshotImporter {
    public enum Mode: Sendable, Equatable {
        /// Load into a fresh schema, then put it in place of the target in the same transaction.
        /// The target must be absent or empty unless `replace` is set; other sessions keep
        /// reading the old tables until the swap commits.
        case swapSchema(replace: Bool)
        /// Create the snapshot's tables in the target schema (created if missing) and leave its
        /// other tables alone. The tables must not exist there unless `replace` is set, which
        /// drops them in the same transaction.
        case intoExisting(replace: Bool)
    }

    public struct Options: Sendable {
        public var schema: String
        /// Tables to import; nil imports all of the snapshot's.
        public var tables: [String]?
        public var mode: Mode

        public init(schema: String, tables: [String]? = nil, mode: Mode = .swapSchema(replace: false)) {
            self.schema = schema
            self.tables = tables
            self.mode = mode
        }
    }

    public struct Summary: Sendable {
        public var manifest: SnapshotManifest
        public var schema: String
        public var tables: [SnapshotManifest.Table]
        /// True when an existing schema (swap mode) or existing tables (into-existing) were replaced.
        public var replacedExisting: Bool
    }

    private let connection: PostgresConnection
    /// Called after each table's rows are loaded and checked (before the final commit).
    public var onTableImported: ((SnapshotManifest.Table) -> Void)?
    /// Called in the import's transaction once every table is in place, just before the commit;
    /// what it does commits with the import or rolls back with it. The CLI tells the target's
    /// state schemas there that the tables were replaced.
    /// It is given the tables imported.
    public var beforeCommit: ((PostgresConnection, SnapshotManifest, [SnapshotManifest.Table]) throws -> Void)?

    /// Uses `connection` (which must not be inside a transaction) and changes its session
    /// settings to the fixed ones snapshots are written under.
    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    @discardableResult
    public func importSnapshot(from directory: String, options: Options) throws -> Summary {
        // Everything that needs no database first: a broken snapshot is refused before any work.
        try SQL.checkIdentifier(options.schema, role: "the schema to import into")
        let folder = try SnapshotFolder(path: directory)
        let files = try folder.tableFiles(named: options.tables)
        try folder.checkNoUnlistedFiles()
        try folder.checkSchemaScript()
        for file in files { try file.checkPresence() }

        try SessionSettings.apply(to: connection)
        try checkTypes(files.map(\.table), snapshot: directory)
        switch options.mode {
        case .swapSchema(let replace):
            return try swapIn(folder, files, schema: options.schema, replace: replace)
        case .intoExisting(let replace):
            return try loadIntoExisting(folder, files, schema: options.schema, replace: replace)
        }
    }

    // MARK: Modes

    private func swapIn(_ folder: SnapshotFolder, _ files: [TableFile], schema: String, replace: Bool) throws -> Summary {
        let existing = try checkTargetSchema(schema, replace: replace, snapshot: folder.path)
        let staging = Self.stagingName(for: schema)
        try connection.transaction { connection in
            try SessionSettings.applyLocally(to: connection)
            try connection.execute("CREATE SCHEMA \(SQL.quoteIdentifier(staging))")
            for file in files { try load(file, into: staging) }
            // Again under the transaction: something may have been created since the first check.
            let target = try checkTargetSchema(schema, replace: replace, snapshot: folder.path)
            if target.exists {
                let retired = Self.stagingName(for: schema, purpose: "replaced")
                try connection.execute("ALTER SCHEMA \(SQL.quoteIdentifier(schema)) RENAME TO \(SQL.quoteIdentifier(retired))")
                try connection.execute("ALTER SCHEMA \(SQL.quoteIdentifier(staging)) RENAME TO \(SQL.quoteIdentifier(schema))")
                try connection.execute("DROP SCHEMA \(SQL.quoteIdentifier(retired)) CASCADE")
            } else {
                try connection.execute("ALTER SCHEMA \(SQL.quoteIdentifier(staging)) RENAME TO \(SQL.quoteIdentifier(schema))")
            }
            try beforeCommit?(connection, folder.manifest, files.map(\.table))
        }
        return Summary(manifest: folder.manifest, schema: schema, tables: files.map(\.table),
                       replacedExisting: existing.exists && !existing.objects.isEmpty)
    }

    private func loadIntoExisting(_ folder: SnapshotFolder, _ files: [TableFile], schema: String, replace: Bool) throws -> Summary {
        let present = try existingTables(files, schema: schema)
        if !present.isEmpty, !replace {
            throw SnapshotError(code: .tableExists, snapshot: folder.path,
                                message: "schema \(schema) already has \(present.count == 1 ? "table" : "tables") \(present.joined(separator: ", ")); pass --replace to replace \(present.count == 1 ? "it" : "them")")
        }
        try connection.transaction { connection in
            try SessionSettings.applyLocally(to: connection)
            try connection.execute("CREATE SCHEMA IF NOT EXISTS \(SQL.quoteIdentifier(schema))")
            for file in files {
                if replace {
                    // No CASCADE: a view or foreign key on the old table makes this fail loudly.
                    try connection.execute("DROP TABLE IF EXISTS \(SQL.qualifiedName(schema, file.table.name))")
                }
                try load(file, into: schema)
            }
            try beforeCommit?(connection, folder.manifest, files.map(\.table))
        }
        return Summary(manifest: folder.manifest, schema: schema, tables: files.map(\.table), replacedExisting: !present.isEmpty)
    }

    // MARK: Loading one table

    /// Creates the table, streams the file into it through COPY and checks it, all inside the
    /// caller's transaction. The primary key is added after the rows: building the index once
    /// from sorted data is cheaper than maintaining it row by row.
    private func load(_ file: TableFile, into schema: String) throws {
        let table = file.table
        try connection.execute(createTableStatement(schema: schema, table: table.name, columns: table.columns,
                                                    primaryKey: table.primaryKey, includePrimaryKey: false))
        let columns = table.columns.map { SQL.quoteIdentifier($0.name) }.joined(separator: ", ")
        // FREEZE: the table was created in this transaction, so its rows can be written frozen
        // and need no later visibility-hint writes or anti-wraparound vacuum.
        let copy = "COPY \(SQL.qualifiedName(schema, table.name)) (\(columns)) FROM STDIN WITH (FREEZE)"
        let stored: Int
        do {
            stored = try connection.copyIn(copy) { writer in
                try file.stream { try writer.write($0) }
            }
        } catch let error as PostgresError where Self.isDataMismatch(error) {
            throw SnapshotError(code: .columnMismatch, snapshot: file.snapshot,
                                message: "the rows of \(table.file) do not fit the manifest's columns for table \(table.name) (\(table.columns.count) columns): \(error.message)\(error.serverContext.map { " (at \($0))" } ?? "")")
        }
        guard stored == table.rows else {
            throw SnapshotError(code: .rowCountMismatch, snapshot: file.snapshot,
                                message: "PostgreSQL stored \(stored) rows from \(table.file) but the manifest says \(table.rows)")
        }
        if !table.primaryKey.isEmpty {
            try connection.execute("ALTER TABLE \(SQL.qualifiedName(schema, table.name)) ADD PRIMARY KEY (\(table.primaryKey.map(SQL.quoteIdentifier).joined(separator: ", ")))")
        }
        onTableImported?(table)
    }

    /// Errors that mean "these bytes are not rows of those columns": class 22 (data exception:
    /// missing or extra fields, unparsable values) and NOT NULL violations.
    private static func isDataMismatch(_ error: PostgresError) -> Bool {
        guard error.code == .copyFailed, let state = error.sqlState else { return false }
        return state.hasPrefix("22") || state == "23502"
    }

    // MARK: Checks

    /// The manifest's types go into DDL as text, so each must parse as a type name of this
    /// database and nothing else (a tampered manifest must not smuggle SQL in).
    private func checkTypes(_ tables: [SnapshotManifest.Table], snapshot: String) throws {
        var checked = Set<String>()
        for table in tables {
            for column in table.columns where checked.insert(column.type).inserted {
                let reason: String
                do {
                    let known = try connection.query("SELECT pg_catalog.to_regtype($1) IS NOT NULL", [.text(column.type)])
                    if known[0, 0] == "t" { continue }
                    reason = "which is not a type in this database"
                } catch let error as PostgresError where error.sqlState == "42601" {
                    reason = "which is not a type name"
                }
                throw SnapshotError(code: .invalidManifest, snapshot: snapshot,
                                    message: "column \(column.name) of table \(table.name) has type \"\(column.type)\", \(reason)")
            }
        }
    }

    /// Refuses to replace a schema that holds something unless asked to, and refuses even then
    /// when objects in other schemas (views, foreign keys) would be dropped along with it.
    private func checkTargetSchema(_ schema: String, replace: Bool, snapshot: String) throws -> (exists: Bool, objects: [String]) {
        let target = try TableCatalog.objectsIn(schema: schema, on: connection)
        guard target.exists, !target.objects.isEmpty else { return target }
        guard replace else {
            let shown = target.objects.prefix(5).joined(separator: ", ")
            let more = target.objects.count > 5 ? " and \(target.objects.count - 5) more" : ""
            throw SnapshotError(code: .schemaNotEmpty, snapshot: snapshot,
                                message: "schema \(schema) is not empty (\(shown)\(more)); pass --replace to replace it")
        }
        let dependents = try TableCatalog.dependentsOutside(schema: schema, on: connection)
        guard dependents.isEmpty else {
            throw SnapshotError(code: .hasDependents, snapshot: snapshot,
                                message: "replacing schema \(schema) would also drop \(dependents.joined(separator: ", ")) in other schemas; drop or move \(dependents.count == 1 ? "it" : "them") first")
        }
        return target
    }

    private func existingTables(_ files: [TableFile], schema: String) throws -> [String] {
        let present = Set(try TableCatalog.tableNames(in: schema, on: connection))
        return files.map(\.table.name).filter(present.contains)
    }

    /// `S__import_1a2b3c4d`, shortened so it fits PostgreSQL's 63-byte identifiers (which would
    /// otherwise be truncated silently).
    static func stagingName(for schema: String, purpose: String = "import") -> String {
        let suffix = "__\(purpose)_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        var stem = schema
        while stem.utf8.count + suffix.utf8.count > 63 { stem.removeLast() }
        return stem + suffix
    }
}
