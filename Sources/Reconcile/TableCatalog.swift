import Postgres

/// Looks tables up in the catalog of each side and refuses to compare tables that differ in
/// shape: a diff over mismatched columns would report nonsense, so that is an error, not a
/// difference.
enum TableCatalog {
    /// Throws `schemaMissing` unless `schema` exists on `connection`'s database.
    static func requireSchema(_ schema: String, on connection: PostgresConnection, side: String) throws {
        let found = try connection.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [.text(schema)])
        guard found.rowCount == 1 else {
            throw ReconcileError(code: .schemaMissing,
                                 message: "schema \"\(schema)\" does not exist in the \(side) database",
                                 context: "\(side) side \(connection.configuration.redactedURL)")
        }
    }

    /// The columns of `schema.table` in column order, or nil when there is no such table or view.
    static func columns(of table: String, in schema: String, on connection: PostgresConnection) throws -> [DiffColumn]? {
        let relation = try connection.query("""
            SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
            """, [.text(schema), .text(table)])
        guard relation.rowCount == 1, let oid = relation[0, 0] else { return nil }
        let result = try connection.query("""
            SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
            WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum
            """, [.text(oid)])
        return result.map { DiffColumn(name: $0[0] ?? "", type: $0[1] ?? "") }
    }

    /// The character columns of `schema.table` whose collation orders by bytes: C or POSIX,
    /// any builtin-provider collation (code point order, which is UTF-8 byte order), or the
    /// database default when that is one of these. Others are ordered with `COLLATE "C"`.
    static func byteOrderedColumns(of table: String, in schema: String, on connection: PostgresConnection) throws -> Set<String> {
        let result = try connection.query("""
            SELECT a.attname
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_collation co ON co.oid = a.attcollation
            CROSS JOIN (SELECT datcollate, datlocprovider FROM pg_database WHERE datname = current_database()) d
            WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
              AND (co.collname IN ('C', 'POSIX') OR co.collprovider = 'b'
                   OR (co.collname = 'default' AND (d.datlocprovider = 'b'
                       OR (d.datlocprovider = 'c' AND d.datcollate IN ('C', 'POSIX')))))
            """, [.text(schema), .text(table)])
        return Set(result.compactMap { $0[0] })
    }

    /// Checks each spec against both sides and returns the tables to diff.
    static func resolve(
        _ specs: [TableSpec],
        left: (connection: PostgresConnection, schema: String),
        right: (connection: PostgresConnection, schema: String)
    ) throws -> [ResolvedTable] {
        try specs.map { spec in
            let leftColumns = try columns(of: spec.name, in: left.schema, on: left.connection)
            let rightColumns = try columns(of: spec.name, in: right.schema, on: right.connection)
            for (side, schema, columns, connection) in [("left", left.schema, leftColumns, left.connection),
                                                        ("right", right.schema, rightColumns, right.connection)]
            where columns == nil {
                throw ReconcileError(code: .tableMissing,
                                     message: "table \(schema).\(spec.name) does not exist on the \(side) side",
                                     context: "\(side) side \(connection.configuration.redactedURL)")
            }
            var table = try resolve(spec, leftColumns: leftColumns ?? [], rightColumns: rightColumns ?? [],
                                    leftSchema: left.schema, rightSchema: right.schema)
            table.leftByteOrdered = try byteOrderedColumns(of: spec.name, in: left.schema, on: left.connection)
            table.rightByteOrdered = try byteOrderedColumns(of: spec.name, in: right.schema, on: right.connection)
            return table
        }
    }

    /// The pure part of `resolve`: compares the two column lists (by name; order may differ).
    static func resolve(
        _ spec: TableSpec, leftColumns: [DiffColumn], rightColumns: [DiffColumn],
        leftSchema: String, rightSchema: String
    ) throws -> ResolvedTable {
        let rightByName = Dictionary(rightColumns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let leftNames = Set(leftColumns.map(\.name))
        var problems: [String] = []
        for column in leftColumns {
            guard let other = rightByName[column.name] else {
                problems.append("column \(column.name) exists only on the left (\(leftSchema))")
                continue
            }
            if other.type != column.type {
                problems.append("column \(column.name) is \(column.type) on the left but \(other.type) on the right")
            }
        }
        for column in rightColumns where !leftNames.contains(column.name) {
            problems.append("column \(column.name) exists only on the right (\(rightSchema))")
        }
        guard problems.isEmpty else {
            throw ReconcileError(code: .columnMismatch,
                                 message: "table \(spec.name) differs in shape between the sides: \(problems.joined(separator: "; "))")
        }
        let byName = Dictionary(leftColumns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let missingKey = spec.primaryKey.filter { byName[$0] == nil }
        guard missingKey.isEmpty, !spec.primaryKey.isEmpty else {
            throw ReconcileError(code: .primaryKeyMissing,
                                 message: "table \(spec.name) has no column \(missingKey.joined(separator: ", ")) of its key "
                                    + "(\(spec.primaryKey.joined(separator: ", ")))")
        }
        if let subject = spec.subjectColumn, byName[subject] == nil {
            throw ReconcileError(code: .columnMismatch, message: "table \(spec.name) has no subject column \(subject)")
        }
        return ResolvedTable(
            spec: spec,
            keyColumns: spec.primaryKey.compactMap { byName[$0] },
            valueColumns: leftColumns.filter { !spec.primaryKey.contains($0.name) })
    }
}
