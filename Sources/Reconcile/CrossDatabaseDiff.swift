import Postgres

/// Compares tables in two databases (or two schemas, when forced) by streaming both sides in
/// key order and merge-joining them in Swift.
///
/// Each side runs on its own thread and connection (`TableStream`), so both servers sort and
/// send at once while this thread merges; bounded queues keep memory flat whatever the table
/// size. Any other row source in key order can stand in for a side (`SnapshotRowSource`: a
/// snapshot's files), through `merge(_:left:right:…)`. Keys are compared as the bytes of their text and each server sends rows in that order
/// (`DiffColumn.orderExpression`: by the primary key index where it gives byte order), values
/// as canonical text (`DiffColumn`, `SessionSettings`), so equality matches the same-database
/// mode's.
struct CrossDatabaseDiff {
    let left: DiffSide
    let right: DiffSide
    let sampleLimit: Int
    var rules: VerdictRules? = nil
    var statistics = false
    /// An incremental diff's subjects: each side copies them into its `ScopeTable` and reads only
    /// their rows. nil compares every row.
    var scope: [String]? = nil

    func diff(_ tables: [ResolvedTable]) throws -> [DiffAccumulator] {
        guard !tables.isEmpty else { return [] }
        let scoped = scope != nil
        let leftStream = TableStream(configuration: left.configuration, scope: scope,
                                     statements: tables.map { Self.statement($0, schema: left.schema, side: "left", byteOrdered: $0.leftByteOrdered, scoped: scoped) })
        let rightStream = TableStream(configuration: right.configuration, scope: scope,
                                      statements: tables.map { Self.statement($0, schema: right.schema, side: "right", byteOrdered: $0.rightByteOrdered, scoped: scoped) })
        return try Self.merge(tables, left: leftStream, leftLabel: "left side, table \(left.schema).",
                              right: rightStream, rightLabel: "right side, table \(right.schema).", sampleLimit: sampleLimit,
                              rules: rules, statistics: statistics)
    }

    /// Starts both streams and merges them table by table. Each stream must deliver the tables in
    /// `tables` order, each table's rows in the byte order of their key fields, with the fields
    /// ordered as `ResolvedTable.allColumns`. Labels prefix the table name in errors.
    static func merge(
        _ tables: [ResolvedTable], left leftStream: TableStream, leftLabel: String,
        right rightStream: TableStream, rightLabel: String, sampleLimit: Int, rules: VerdictRules? = nil, statistics: Bool = false
    ) throws -> [DiffAccumulator] {
        leftStream.start()
        rightStream.start()
        do {
            var results: [DiffAccumulator] = []
            for table in tables {
                let accumulator = DiffAccumulator(table: table, sampleLimit: sampleLimit, rules: rules, statistics: statistics)
                results.append(try merge(table, leftStream, rightStream, leftLabel: leftLabel, rightLabel: rightLabel,
                                         into: accumulator))
            }
            leftStream.join()
            rightStream.join()
            // Surface a failure after the last table (e.g. COMMIT), which no pop saw.
            _ = try leftStream.queue.pop()
            _ = try rightStream.queue.pop()
            return results
        } catch {
            leftStream.cancelAndJoin()
            rightStream.cancelAndJoin()
            throw error
        }
    }

    /// `COPY (SELECT key…, value… FROM schema.table ORDER BY key bytes) TO STDOUT`; `scoped`: only
    /// the rows of the subjects in the side's `ScopeTable`.
    static func statement(_ table: ResolvedTable, schema: String, side: String, byteOrdered: Set<String>, scoped: Bool = false) -> TableStream.Statement {
        let columns = table.allColumns.map { $0.selectExpression() }.joined(separator: ", ")
        let order = table.keyColumns.map { $0.orderExpression(byteOrdered: byteOrdered.contains($0.name)) }.joined(separator: ", ")
        let condition = scoped ? " WHERE " + ScopeTable.condition(subjectColumn: table.spec.subjectColumn ?? "") : ""
        return TableStream.Statement(
            sql: "COPY (SELECT \(columns) FROM \(SQLName.qualified(schema, table.name))\(condition) ORDER BY \(order)) TO STDOUT",
            fieldCount: table.allColumns.count,
            source: "\(side) side, table \(schema).\(table.name)")
    }

    private static func merge(
        _ table: ResolvedTable, _ leftStream: TableStream, _ rightStream: TableStream,
        leftLabel: String, rightLabel: String, into accumulator: DiffAccumulator
    ) throws -> DiffAccumulator {
        let started = ContinuousClock.now
        var accumulator = accumulator
        let keyCount = table.keyColumns.count
        let fieldCount = table.allColumns.count
        let equality = table.allColumns.map(\.textEquality)
        let subjectField = table.subjectIndex
        var leftCursor = RowCursor(stream: leftStream, keyCount: keyCount, source: "")
        var rightCursor = RowCursor(stream: rightStream, keyCount: keyCount, source: "")
        try leftCursor.startTable(source: leftLabel + table.name)
        try rightCursor.startTable(source: rightLabel + table.name)
        var leftRows = 0, rightRows = 0
        var changedColumns: [Int] = []

        func subject(_ rows: CopyRows, _ row: Int) -> SubjectKey? {
            subjectField.flatMap { rows.bytes(row, $0) }.map(SubjectKey.init(bytes:))
        }
        func key(_ rows: CopyRows, _ row: Int) -> [[UInt8]] { (0..<keyCount).map { rows.bytes(row, $0) ?? [] } }
        func values(_ rows: CopyRows, _ row: Int) -> [String?] { (keyCount..<fieldCount).map { rows.string(row, $0) } }

        while leftCursor.hasRow || rightCursor.hasRow {
            let order: Int
            if let l = leftCursor.batch, leftCursor.hasRow, let r = rightCursor.batch, rightCursor.hasRow {
                order = CopyRows.compareKeys(l, leftCursor.row, r, rightCursor.row, count: keyCount)
            } else {
                order = leftCursor.hasRow ? -1 : 1
            }
            if order < 0, let l = leftCursor.batch {
                leftRows += 1
                accumulator.record(.onlyLeft, subject: subject(l, leftCursor.row))
                if !accumulator.samplesFull {
                    accumulator.offerSample(.init(kind: .onlyLeft, key: key(l, leftCursor.row), left: values(l, leftCursor.row),
                                                  right: nil, differing: [], subject: subject(l, leftCursor.row)))
                }
                try leftCursor.advance()
            } else if order > 0, let r = rightCursor.batch {
                rightRows += 1
                accumulator.record(.onlyRight, subject: subject(r, rightCursor.row))
                if !accumulator.samplesFull {
                    accumulator.offerSample(.init(kind: .onlyRight, key: key(r, rightCursor.row), left: nil,
                                                  right: values(r, rightCursor.row), differing: [], subject: subject(r, rightCursor.row)))
                }
                try rightCursor.advance()
            } else if let l = leftCursor.batch, let r = rightCursor.batch {
                leftRows += 1
                rightRows += 1
                let lr = leftCursor.row, rr = rightCursor.row
                changedColumns.removeAll(keepingCapacity: true)
                for field in keyCount..<fieldCount {
                    let equal = switch equality[field] {
                    case .bytes: CopyRows.fieldsEqual(l, lr, r, rr, field: field)
                    case .float: CopyRows.floatFieldsEqual(l, lr, r, rr, field: field)
                    case .json: CopyRows.jsonFieldsEqual(l, lr, r, rr, field: field)
                    }
                    if !equal { changedColumns.append(field - keyCount) }
                }
                if !changedColumns.isEmpty {
                    var acceptedBy: [String?]?
                    var differs = true
                    if accumulator.columnRules != nil {
                        acceptedBy = accumulator.recordChanged(
                            subject: subject(l, lr), changedColumns: changedColumns, keysAscending: true, key: { key(l, lr) },
                            values: { column in (l.bytes(lr, keyCount + column), r.bytes(rr, keyCount + column)) })
                        differs = acceptedBy != nil  // nil: every difference accepted by a rule, counted, not sampled
                    } else {
                        accumulator.record(.changed, subject: subject(l, lr), changedColumns: changedColumns)
                    }
                    if differs, !accumulator.samplesFull {
                        var flags = Array(repeating: false, count: fieldCount - keyCount)
                        for column in changedColumns { flags[column] = true }
                        accumulator.offerSample(.init(kind: .changed, key: key(l, lr), left: values(l, lr),
                                                      right: values(r, rr), differing: flags, subject: subject(l, lr),
                                                      acceptedBy: acceptedBy))
                    }
                }
                try leftCursor.advance()
                try rightCursor.advance()
            }
        }
        accumulator.leftRows = leftRows
        accumulator.rightRows = rightRows
        accumulator.durationMilliseconds = started.elapsedMilliseconds
        return accumulator
    }
}
