import Postgres
import Store

/// Looks tables up in the catalog of each side (`TableCatalog`) and refuses to compare tables
/// that differ in shape: a diff over mismatched columns would report nonsense, so that is an
/// error, not a difference.
enum TableResolver {
    /// Throws `schemaMissing` unless `schema` exists on `connection`'s database.
    static func requireSchema(_ schema: String, on connection: PostgresConnection, side: String) throws {
        guard try TableCatalog.schemaExists(schema, on: connection) else {
            throw ReconcileError(code: .schemaMissing,
                                 message: "schema \"\(schema)\" does not exist in the \(side) database",
                                 context: "\(side) side \(connection.configuration.redactedURL)")
        }
    }

    /// Checks each spec against both sides and returns the tables to diff.
    static func resolve(
        _ specs: [TableSpec],
        left: (connection: PostgresConnection, schema: String),
        right: (connection: PostgresConnection, schema: String)
    ) throws -> [ResolvedTable] {
        try specs.map { spec in
            func shape(_ side: String, _ schema: String, _ connection: PostgresConnection) throws -> TableShape {
                guard let shape = try TableCatalog.shape(of: spec.name, in: schema, on: connection, kinds: TableCatalog.readableKinds) else {
                    throw ReconcileError(code: .tableMissing,
                                         message: "table \(schema).\(spec.name) does not exist on the \(side) side",
                                         context: "\(side) side \(connection.configuration.redactedURL)")
                }
                return shape
            }
            let leftShape = try shape("left", left.schema, left.connection)
            let rightShape = try shape("right", right.schema, right.connection)
            var table = try resolve(spec, leftColumns: leftShape.diffColumns, rightColumns: rightShape.diffColumns,
                                    leftSchema: left.schema, rightSchema: right.schema)
            table.leftByteOrdered = leftShape.byteOrderedColumns
            table.rightByteOrdered = rightShape.byteOrderedColumns
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

extension TableShape {
    /// The columns as the diff compares them: name and `format_type` spelling.
    var diffColumns: [DiffColumn] { columns.map { DiffColumn(name: $0.name, type: $0.type) } }
}
