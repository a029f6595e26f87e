import Postgres

/// A table as the catalog describes it: its columns in order, their types as `format_type`
/// spells them, and the primary key that fixes the order of its rows in a snapshot.
public struct TableShape: Sendable, Equatable {
    public var schema: String
    public var name: String
    public var columns: [SnapshotManifest.Column]
    public var primaryKey: [String]
    /// Columns with a collation (text and the like) that does not already sort bytewise: sorted
    /// with `COLLATE "C"`, so the order does not depend on the server's locale. Columns whose
    /// collation is C or POSIX (also through a C database's default) sort bytewise as they are
    /// and are left alone, so their primary-key index can deliver the order without a sort.
    public var collatableColumns: Set<String>
    /// The character columns whose collation already sorts bytewise (the others of those with a
    /// collation: see `TableCatalog.byteOrderedExpression`).
    public var byteOrderedColumns: Set<String>

    public init(schema: String, name: String, columns: [SnapshotManifest.Column], primaryKey: [String],
                collatableColumns: Set<String>, byteOrderedColumns: Set<String>) {
        self.schema = schema
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
        self.collatableColumns = collatableColumns
        self.byteOrderedColumns = byteOrderedColumns
    }

    /// `COPY (SELECT … ORDER BY …) TO STDOUT`: the rows in primary-key order, so equal tables give
    /// equal bytes. A table without a primary key is ordered by every column's text instead,
    /// which is just as stable (rows that tie print identically).
    public var copyOutStatement: String {
        copyOutStatement(rows: 0..<Int.max)
    }

    /// `COPY` of the rows numbered `rows` (0-based, in primary-key order) of a table with a
    /// primary key, for reading a table in parts. A part that does not start at row 0 starts at
    /// the key of its first row, which the server finds in the primary-key index (an index-only
    /// scan on a vacuumed table), so no part reads the rows before it.
    public func copyOutStatement(rows: Range<Int>) -> String {
        let list = columns.map { SQL.quoteIdentifier($0.name) }.joined(separator: ", ")
        let table = SQL.qualifiedName(schema, name)
        guard !primaryKey.isEmpty else {
            let order = columns.map { "(\(SQL.quoteIdentifier($0.name)))::text COLLATE \"C\"" }
            return "COPY (SELECT \(list) FROM \(table) ORDER BY \(order.joined(separator: ", "))) TO STDOUT"
        }
        let keys = primaryKey.map { key in
            SQL.quoteIdentifier(key) + (collatableColumns.contains(key) ? " COLLATE \"C\"" : "")
        }.joined(separator: ", ")
        var select = "SELECT \(list) FROM \(table)"
        if rows.lowerBound > 0 {
            select += " WHERE (\(keys)) >= (SELECT \(keys) FROM \(table) ORDER BY \(keys) OFFSET \(rows.lowerBound) LIMIT 1)"
        }
        select += " ORDER BY \(keys)"
        if rows.upperBound != Int.max { select += " LIMIT \(rows.count)" }
        return "COPY (\(select)) TO STDOUT"
    }
}

/// Reads table shapes from `pg_class`, `pg_attribute`, `format_type` and `pg_index` — one catalog
/// for snapshots and the diff alike, for any table, not only the nine the contract defines.
public enum TableCatalog {
    /// The tables of `schema` (ordinary tables and partitioned roots, not their partitions),
    /// sorted by name.
    public static func tableNames(in schema: String, on connection: PostgresConnection) throws -> [String] {
        try connection.query("""
            SELECT c.relname FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            ORDER BY c.relname COLLATE "C"
            """, [.text(schema)]).compactMap { $0[0] }
    }

    /// Relation kinds that hold rows to copy: ordinary tables and partitioned roots.
    public static let tableKinds = ["r", "p"]
    /// Relation kinds whose rows can be read and compared: tables, views, materialized and foreign tables.
    public static let readableKinds = ["r", "p", "v", "m", "f"]

    /// The shape of `schema.table` among relations of `kinds`, or nil when there is none.
    public static func shape(of table: String, in schema: String, on connection: PostgresConnection,
                             kinds: [String] = tableKinds) throws -> TableShape? {
        let columns = try connection.query("""
            SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
                   a.attcollation <> 0 AS collatable, \(byteOrderedExpression) AS byte_ordered
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
            WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = ANY($3::"char"[])
            ORDER BY a.attnum
            """, [.text(schema), .text(table), .array(kinds)])
        guard !columns.isEmpty else { return nil }
        let primaryKey = try connection.query("""
            SELECT a.attname
            FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
            JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary
            ORDER BY k.position
            """, [.text(schema), .text(table)]).map { try $0.decode("attname", as: String.self) }
        var shape = TableShape(schema: schema, name: table, columns: [], primaryKey: primaryKey, collatableColumns: [], byteOrderedColumns: [])
        for row in columns {
            let name: String = try row.decode("attname")
            shape.columns.append(SnapshotManifest.Column(name: name, type: try row.decode("type"), nullable: !(try row.decode("attnotnull", as: Bool.self))))
            guard try row.decode("collatable", as: Bool.self) else { continue }
            if try row.decode("byte_ordered", as: Bool.self) { shape.byteOrderedColumns.insert(name) } else { shape.collatableColumns.insert(name) }
        }
        return shape
    }

    /// The character columns of `schema.table` whose collation already orders by bytes (see
    /// `byteOrderedExpression`).
    public static func byteOrderedColumns(of table: String, in schema: String, on connection: PostgresConnection) throws -> Set<String> {
        try shape(of: table, in: schema, on: connection, kinds: readableKinds)?.byteOrderedColumns ?? []
    }

    /// Whether a column's collation (`co`, left-joined on `a.attcollation`) orders text by its
    /// bytes: C or POSIX under libc, the builtin provider (C and C.UTF-8 both order by code
    /// point, which is UTF-8 byte order), or the database default when that is one of these.
    /// Such a column sorts bytewise as it is, so its index can deliver the order; any other
    /// collation needs `COLLATE "C"` (and a sort) for a locale-independent order. The builtin
    /// provider exists from PostgreSQL 17; on 15 the branch never matches.
    static let byteOrderedExpression = """
        coalesce(CASE co.collprovider
                    WHEN 'd' THEN (SELECT d.datlocprovider = 'b' OR (d.datlocprovider = 'c' AND d.datcollate IN ('C', 'POSIX'))
                                   FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
                    WHEN 'b' THEN true
                    WHEN 'c' THEN co.collcollate IN ('C', 'POSIX')
                    ELSE false END, false)
        """

    /// Whether `schema` exists.
    public static func schemaExists(_ schema: String, on connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", [.text(schema)]).rowCount > 0
    }

    /// Whether the schema exists, and what in it an import would destroy: relations, functions
    /// and stand-alone types (row types of tables and array types come with their owners).
    public static func objectsIn(schema: String, on connection: PostgresConnection) throws -> (exists: Bool, objects: [String]) {
        guard try schemaExists(schema, on: connection) else { return (false, []) }
        let objects = try connection.query("""
            SELECT kind || ' ' || name FROM (
                SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                       WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table'
                       ELSE 'relation' END AS kind, c.relname::text AS name
                FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
                UNION ALL
                SELECT 'function', p.proname::text
                FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = $1
                UNION ALL
                SELECT 'type', t.typname::text
                FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                WHERE n.nspname = $1 AND t.typrelid = 0 AND t.typcategory <> 'A'
            ) o ORDER BY kind || ' ' || name COLLATE "C"
            """, [.text(schema)]).compactMap { $0[0] }
        return (true, objects)
    }

    /// Objects outside `schema` that `DROP SCHEMA … CASCADE` would silently take with it: views
    /// over its tables and foreign keys into them.
    public static func dependentsOutside(schema: String, on connection: PostgresConnection) throws -> [String] {
        try connection.query("""
            SELECT description FROM (
                SELECT 'view ' || quote_ident(vn.nspname) || '.' || quote_ident(v.relname) AS description
                FROM pg_catalog.pg_depend d
                JOIN pg_catalog.pg_rewrite r ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND r.oid = d.objid
                JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
                JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace
                JOIN pg_catalog.pg_class t ON d.refclassid = 'pg_catalog.pg_class'::regclass AND t.oid = d.refobjid
                JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
                WHERE tn.nspname = $1 AND vn.nspname <> $1
                UNION ALL
                SELECT 'foreign key ' || quote_ident(con.conname) || ' on ' || quote_ident(fn.nspname) || '.' || quote_ident(f.relname)
                FROM pg_catalog.pg_constraint con
                JOIN pg_catalog.pg_class f ON f.oid = con.conrelid
                JOIN pg_catalog.pg_namespace fn ON fn.oid = f.relnamespace
                JOIN pg_catalog.pg_class t ON t.oid = con.confrelid
                JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
                WHERE con.contype = 'f' AND tn.nspname = $1 AND fn.nspname <> $1
            ) d GROUP BY description ORDER BY description COLLATE "C"
            """, [.text(schema)]).compactMap { $0[0] }
    }
}
