import Postgres
import Store

/// Compares two schemas of one database with one set-based query per table.
///
/// A FULL JOIN on the key, filtered to the rows that differ, streams back only those rows
/// with one flag per column (`IS DISTINCT FROM` on the typed values); Swift counts them.
/// So the cost is one pass over the join, like the bare `count(*)` of differing rows, plus
/// two `count(*)`s and a few key lookups for the samples. All of it reads one snapshot.
struct SameDatabaseDiff {
    let connection: PostgresConnection
    let leftSchema: String
    let rightSchema: String
    let sampleLimit: Int
    /// Column rules to apply as rows are counted (nil: none, and the query is as without rules).
    var rules: VerdictRules? = nil
    /// Collect `ColumnStatistics` of changed number and time columns (for `rules suggest`).
    var statistics = false

    /// Diffs every table inside one read-only snapshot.
    func diff(_ tables: [ResolvedTable]) throws -> [DiffAccumulator] {
        try connection.execute(DiffSession.beginSnapshot)
        do {
            try connection.execute(SessionSettings.localStatements)
            let results = try tables.map(diff)
            try connection.execute("COMMIT")
            return results
        } catch {
            if connection.isOpen { try? connection.execute("ROLLBACK") }
            throw error
        }
    }

    func diff(_ table: ResolvedTable) throws -> DiffAccumulator {
        let started = ContinuousClock.now
        var accumulator = DiffAccumulator(table: table, sampleLimit: sampleLimit, rules: rules, statistics: statistics)
        let left = SQLName.qualified(leftSchema, table.name)
        let right = SQLName.qualified(rightSchema, table.name)

        let counts = try connection.query("SELECT (SELECT count(*) FROM \(left)), (SELECT count(*) FROM \(right))")
        accumulator.leftRows = Int(counts[0, 0] ?? "0") ?? 0
        accumulator.rightRows = Int(counts[0, 1] ?? "0") ?? 0

        let keyCount = table.keyColumns.count
        let valueCount = table.valueColumns.count
        let subjectKeyIndex = table.spec.subjectColumn.flatMap { name in table.keyColumns.firstIndex { $0.name == name } }
        let subjectValueIndex = table.spec.subjectColumn.flatMap { name in table.valueColumns.firstIndex { $0.name == name } }
        // Columns whose two values the rules need come after the flags (and the subject): a pair
        // per column, NULL unless the column differs in the row.
        let valueColumns = accumulator.columnRules.map { rules in rules.needsValues.indices.filter { rules.needsValues[$0] } } ?? []
        let valuesStart = 1 + keyCount + valueCount + (subjectValueIndex == nil ? 0 : 1)
        var valueSlot: [Int: Int] = [:]
        for (slot, column) in valueColumns.enumerated() { valueSlot[column] = valuesStart + 2 * slot }
        var reader = CopyTextReader(fieldCount: valuesStart + 2 * valueColumns.count, source: "differing rows of \(table.name)")
        let statement = Self.differingRowsStatement(table, left: left, right: right, subjectValue: subjectValueIndex, values: valueColumns)
        try connection.copyOut(statement) { chunk in
            var rows = CopyRows(fieldCount: reader.fieldCount, reservingBytes: chunk.count)
            try reader.consume(chunk, into: &rows)
            for row in 0..<rows.count {
                let kind: DifferenceKind = switch rows.bytes(row, 0) {
                case [UInt8(ascii: "L")]?: .onlyLeft
                case [UInt8(ascii: "R")]?: .onlyRight
                default: .changed
                }
                let key = (0..<keyCount).map { rows.bytes(row, 1 + $0) ?? [] }
                var flags = Array(repeating: kind != .changed, count: valueCount)
                if kind == .changed {
                    for column in 0..<valueCount where rows.bytes(row, 1 + keyCount + column) == [UInt8(ascii: "t")] {
                        flags[column] = true
                    }
                }
                let subject: SubjectKey? = if let subjectKeyIndex {
                    SubjectKey(bytes: key[subjectKeyIndex])
                } else if subjectValueIndex != nil {
                    rows.bytes(row, 1 + keyCount + valueCount).map(SubjectKey.init(bytes:))
                } else {
                    nil
                }
                var acceptedBy: [String?]?
                if kind == .changed, accumulator.columnRules != nil {
                    acceptedBy = accumulator.recordChanged(
                        subject: subject, changedColumns: flags.indices.filter { flags[$0] }, keysAscending: false, key: { key },
                        values: { column in valueSlot[column].map { (rows.bytes(row, $0), rows.bytes(row, $0 + 1)) } })
                    if acceptedBy == nil { continue }  // every difference accepted by a rule: counted, not sampled
                } else {
                    accumulator.record(kind, subject: subject, changedColumns: flags.indices.filter { kind == .changed && flags[$0] })
                }
                if accumulator.admitsSample(key: key) {
                    accumulator.offerSample(.init(kind: kind, key: key, left: nil, right: nil, differing: flags, subject: subject,
                                                  acceptedBy: acceptedBy))
                }
            }
        }
        try reader.finish()

        for (index, sample) in accumulator.samples.enumerated() {
            let leftValues = sample.kind == .onlyRight ? nil : try values(of: table, in: left, key: sample.key)
            let rightValues = sample.kind == .onlyLeft ? nil : try values(of: table, in: right, key: sample.key)
            accumulator.setSampleValues(index, left: leftValues, right: rightValues)
        }
        // An ignored column's values are not selected: its rule's example is looked up by key.
        for (index, tally) in accumulator.ruleTallies.enumerated() where tally.exampleValues == nil {
            guard let key = tally.exampleKey, let column = table.valueColumns.firstIndex(where: { $0.name == tally.rule.column }) else { continue }
            let leftValues = try values(of: table, in: left, key: key)
            let rightValues = try values(of: table, in: right, key: key)
            accumulator.setExampleValues(index, left: leftValues?[column] ?? nil, right: rightValues?[column] ?? nil)
        }
        accumulator.durationMilliseconds = started.elapsedMilliseconds
        return accumulator
    }

    /// The value columns of the row with `key`, as text; nil when the row is gone.
    private func values(of table: ResolvedTable, in relation: String, key: [[UInt8]]) throws -> [String?]? {
        guard !table.valueColumns.isEmpty else { return [] }
        let conditions = table.keyColumns.enumerated().map { index, column in
            "\(column.quoted) = CAST($\(index + 1) AS \(column.type))"
        }
        let result = try connection.query(
            "SELECT \(table.valueColumns.map { $0.selectExpression() }.joined(separator: ", ")) FROM \(relation) "
                + "WHERE \(conditions.joined(separator: " AND "))",
            key.map { .text(String(decoding: $0, as: UTF8.self)) })
        guard result.rowCount > 0 else { return nil }
        return result[0].values
    }

    /// `COPY (…) TO STDOUT` of the differing rows: kind (`L`, `R`, `C`), the key as both
    /// modes print it, one `t`/`f` per value column, the subject when it is not in the key, and
    /// for each value column in `values` (those a verdict rule compares) its left and right
    /// value where it differs. Without `values` the statement is exactly the rule-less one.
    static func differingRowsStatement(_ table: ResolvedTable, left: String, right: String, subjectValue: Int?, values: [Int] = []) -> String {
        let present = table.keyColumns[0].quoted
        let keys = table.keyColumns.map { "coalesce(\($0.selectExpression("l")), \($0.selectExpression("r")))" }
        let distinct = table.valueColumns.map { "\($0.comparisonOperand("l")) IS DISTINCT FROM \($0.comparisonOperand("r"))" }
        let join = table.keyColumns.map { "l.\($0.quoted) = r.\($0.quoted)" }.joined(separator: " AND ")
        var select = ["CASE WHEN l.\(present) IS NULL THEN 'R' WHEN r.\(present) IS NULL THEN 'L' ELSE 'C' END"] + keys + distinct
        if let subjectValue {
            let column = table.valueColumns[subjectValue].quoted
            select.append("coalesce(l.\(column), r.\(column))")
        }
        for index in values {
            let column = table.valueColumns[index]
            select.append("CASE WHEN \(distinct[index]) THEN \(column.selectExpression("l")) END")
            select.append("CASE WHEN \(distinct[index]) THEN \(column.selectExpression("r")) END")
        }
        let condition = (["l.\(present) IS NULL", "r.\(present) IS NULL"] + distinct).joined(separator: " OR ")
        return "COPY (SELECT \(select.joined(separator: ", ")) FROM \(left) l FULL JOIN \(right) r ON \(join) "
            + "WHERE \(condition)) TO STDOUT"
    }
}

extension ContinuousClock.Instant {
    /// Whole milliseconds since this instant.
    var elapsedMilliseconds: Int {
        let elapsed = ContinuousClock.now - self
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
