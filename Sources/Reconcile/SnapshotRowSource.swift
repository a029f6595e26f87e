import Postgres
import Store

/// A snapshot folder as one side of a streamed diff: each table's zstd file is decompressed,
/// checked against the manifest (SHA-256 of both forms, sizes, row count) as it is read, parsed
/// as COPY text and handed to the merge in the field order the diff uses (key columns first).
///
/// Snapshot files hold their rows in primary-key order with text keys compared bytewise and
/// times printed in UTC, which is the byte order the merge walks; should a key type order
/// differently (an integer key), the merge's order check stops the diff with an error rather
/// than report false differences. A file that fails its digests fails the diff (exit 2), even
/// after its rows were compared: nothing is reported from a snapshot that is not what its
/// manifest says.
enum SnapshotRowSource {
    /// The snapshot's tables matched against `schema`'s: same columns and types (by name; order
    /// may differ), and the snapshot ordered by the key the diff matches rows on.
    static func resolve(
        _ specs: [TableSpec], snapshot: SnapshotReader, schema: String, on connection: PostgresConnection
    ) throws -> [ResolvedTable] {
        try specs.map { spec in
            guard let table = snapshot.manifest.table(named: spec.name) else {
                throw ReconcileError(code: .tableMissing, message: "the snapshot has no table \(spec.name)",
                                     context: "snapshot \(snapshot.path)")
            }
            guard let shape = try TableCatalog.shape(of: spec.name, in: schema, on: connection, kinds: TableCatalog.readableKinds) else {
                throw ReconcileError(code: .tableMissing, message: "table \(schema).\(spec.name) does not exist",
                                     context: "right side \(connection.configuration.redactedURL)")
            }
            guard table.primaryKey == spec.primaryKey else {
                throw ReconcileError(
                    code: .columnMismatch,
                    message: "the snapshot's table \(spec.name) is ordered by (\(table.primaryKey.joined(separator: ", "))), "
                        + "not by its key (\(spec.primaryKey.joined(separator: ", ")))",
                    context: "snapshot \(snapshot.path)")
            }
            var resolved = try TableResolver.resolve(
                spec, leftColumns: table.columns.map { DiffColumn(name: $0.name, type: $0.type) }, rightColumns: shape.diffColumns,
                leftSchema: "the snapshot", rightSchema: schema)
            resolved.rightByteOrdered = shape.byteOrderedColumns
            return resolved
        }
    }

    /// The schema side's statement: like the two-database diff's, but values as stored
    /// (a snapshot holds numerics with their scale and json as written), keys in byte order.
    static func schemaStatement(_ table: ResolvedTable, schema: String) -> TableStream.Statement {
        let columns = table.allColumns.map { $0.isNumeric ? $0.quoted : $0.selectExpression() }.joined(separator: ", ")
        let order = table.keyColumns.map { $0.orderExpression(byteOrdered: table.rightByteOrdered.contains($0.name)) }
            .joined(separator: ", ")
        return TableStream.Statement(
            sql: "COPY (SELECT \(columns) FROM \(SQLName.qualified(schema, table.name)) ORDER BY \(order)) TO STDOUT",
            fieldCount: table.allColumns.count,
            source: "right side, table \(schema).\(table.name)")
    }

    /// The snapshot side: one thread reading the tables' files in `tables` order.
    static func stream(_ snapshot: SnapshotReader, tables: [ResolvedTable]) throws -> TableStream {
        struct Plan: Sendable {
            var name: String
            var fileFields: Int
            /// For each diff field, its position in the file's rows; nil when they are the same.
            var permutation: [Int]?
        }
        let plans = try tables.map { table -> Plan in
            guard let entry = snapshot.manifest.table(named: table.name) else {
                throw ReconcileError(code: .tableMissing, message: "the snapshot has no table \(table.name)")
            }
            let positions = table.allColumns.map { column in entry.columns.firstIndex { $0.name == column.name }! }
            return Plan(name: table.name, fileFields: entry.columns.count,
                        permutation: positions == Array(0..<positions.count) ? nil : positions)
        }
        return TableStream { emit in
            for plan in plans {
                let source = "snapshot \(snapshot.path), table \(plan.name)"
                var reader = CopyTextReader(fieldCount: plan.fileFields, source: source)
                var parsed = CopyRows(fieldCount: plan.fileFields, reservingBytes: 1 << 20)
                try snapshot.stream(table: plan.name) { chunk in
                    parsed.removeAll()
                    try reader.consume(chunk, into: &parsed)
                    guard parsed.count > 0 else { return }
                    if let permutation = plan.permutation {
                        try emit(.rows(SnapshotRowSource.reorder(parsed, permutation)))
                    } else {
                        try emit(.rows(parsed))
                        parsed = CopyRows(fieldCount: plan.fileFields, reservingBytes: 1 << 20)
                    }
                }
                try reader.finish()
                try emit(.endOfTable)
            }
        }
    }

    /// The rows with their fields picked in `permutation` order.
    static func reorder(_ rows: CopyRows, _ permutation: [Int]) -> CopyRows {
        var result = CopyRows(fieldCount: permutation.count, reservingBytes: rows.byteCount)
        rows.bytes.withUnsafeBufferPointer { bytes in
            for row in 0..<rows.count {
                for field in permutation {
                    let (start, length) = rows.span(row, field)
                    if length < 0 {
                        result.appendNull()
                    } else {
                        let begin = result.byteCount
                        result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<start + length]))
                        result.endField(startingAt: begin)
                    }
                }
            }
        }
        return result
    }
}
