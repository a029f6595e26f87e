import Lifestream
import Postgres
import Store

/// The SQL that puts folded rows into the target: copied straight into empty tables, or staged
/// and merged (rows that did not change are not touched, rows that should no longer exist are
/// deleted), with the run's counts and the dirty set kept in the same transaction.
struct TableWriter: Sendable {
    let state: StateSchema
    let target: TargetSchema
    let runID: String
    let scope: Materializer.Scope

    /// Encodes a batch's rows for each of `tables` (the tables without rows left out). A value its
    /// column cannot hold is an error here, never a placeholder stored in its place (validation
    /// keeps such values out; this is the second line).
    static func encode(_ batch: [SubjectRows], tables: [TableDefinition]) throws -> [String: EncodedTable] {
        var encoded: [String: EncodedTable] = [:]
        for table in tables {
            var w = CopyInWriter.buffering()
            w.binaryHeader()
            var rows = 0
            for subject in batch { rows += RowEncoding.write(subject, table: table.name, to: &w) }
            guard rows > 0 else { continue }
            w.binaryTrailer()
            encoded[table.name] = EncodedTable(bytes: try w.takeBytes(), rows: rows)
        }
        return encoded
    }

    /// Whether the refolded tables hold no rows a refold would have to merge with.
    func targetIsEmpty(db: PostgresConnection) throws -> Bool {
        let checks = RowEncoding.refoldedTables.map { t in
            t.name == "subjects"
                ? "not exists (select 1 from \(target.table(t.name)) where subject <> 'sensor')"
                : "not exists (select 1 from \(target.table(t.name)))"
        }
        return try db.query("select (" + checks.joined(separator: " and ") + ") as empty").single().decode("empty")
    }

    /// One batch of a dirty pass in one transaction: rows, dirty-set removal and the run's counters.
    func write(_ job: WriteJob, direct: Bool, on connection: PostgresConnection) throws {
        try PostgresConnection.retryingDeadlocks { try connection.transaction { db in
            // A commit lost to a server crash leaves its subjects dirty, to be refolded again:
            // it need not wait for the WAL flush.
            try db.execute("set local synchronous_commit = off")
            try stageSubjects(job.ids, db: db)
            let written = try writeTables(RowEncoding.refoldedTables, of: job.encoded, direct: direct, db: db)
            try db.query("delete from \(state.table("dirty_subjects")) d where d.subject_id = any(array(select subject_id from pg_temp.batch_subjects))")
            let ledger = RunLedger(state: state)
            try ledger.addRows(written, run: runID, db: db)
            try ledger.addMaterialized(runID, pending: job.pending, subjects: Int64(job.ids.count), db: db)
        } }
    }

    /// Each table's rows of `batch`, copied straight in (`direct`, into empty tables) or merged;
    /// returns rows written per table. Merging needs `batch_subjects`.
    func writeTables(_ tables: [TableDefinition], of batch: [String: EncodedTable], direct: Bool, db: PostgresConnection) throws -> [String: Int64] {
        var written: [String: Int64] = [:]
        for table in tables {
            written[table.name] = direct
                ? try copyRows(batch[table.name], table: table, into: target.table(table.name), db: db)
                : try merge(batch, table: table, db: db)
        }
        return written
    }

    func copyRows(_ encoded: EncodedTable?, table: TableDefinition, into qualified: String, db: PostgresConnection) throws -> Int64 {
        guard let encoded, encoded.rows > 0 else { return 0 }
        let columns = table.columnNames.map(SQL.quoteIdentifier).joined(separator: ", ")
        return Int64(try db.copyIn("copy \(qualified) (\(columns)) from stdin (format binary)") { w in
            try encoded.bytes.withUnsafeBytes { try w.write($0) }
        })
    }

    /// Staging tables live as long as the session and are emptied at each commit (created and
    /// dropped in every transaction, they cost a follower's batch their catalog work at COMMIT).
    /// A dirty pass's batch is a transaction of its own, so its tables start empty; a bulk pass
    /// stages many batches in one transaction and empties them first. (A TRUNCATE where none is
    /// needed is not free: it gives the table, its TOAST table and indexes new files.)
    private func freshTempTable(_ name: String, _ definition: String, db: PostgresConnection) throws {
        try db.execute("create temp table if not exists \(name) \(definition) on commit delete rows"
                       + (scope == .bulk ? "; truncate pg_temp.\(name)" : ""))
    }

    /// Stages the batch's subjects. Statements use them as an array of keys to probe, never as a
    /// table to join: a join's plan depends on statistics a temporary table lacks (and that an
    /// ANALYZE per batch only partly mends, see `staleRowsDelete`).
    func stageSubjects(_ ids: [String], db: PostgresConnection) throws {
        try freshTempTable("batch_subjects", "(subject_id text primary key)", db: db)
        try db.copyIn("copy pg_temp.batch_subjects from stdin") { w in
            for id in ids { w.field(id); w.endRow() }
        }
    }

    /// Deletes the rows of the batch's subjects that the batch no longer has (in `stage`).
    ///
    /// The subjects are probed through the target's key, one by one, as an array: a batch's
    /// subjects are a contiguous run of the sorted dirty set, and joined as a table the planner
    /// often merges them with the target's index, scanning it from its first key to the batch's
    /// last — work that grows with the table (over a 4M-event history ~30–40 ms a table and batch,
    /// to delete nothing) where the probes cost a few milliseconds.
    func staleRowsDelete(_ table: TableDefinition, stage: String) -> String {
        let subjectsFilter = table.name == "subjects" && scope == .dirty ? " and t.subject <> 'sensor'" : ""
        return """
            delete from \(target.table(table.name)) t
            where t.subject_id = any(array(select subject_id from pg_temp.batch_subjects))\(subjectsFilter)
              and not exists (select 1 from \(stage) s where s.subject_id = t.subject_id)
            """
    }

    /// Stages a batch's rows of `table` and merges them: rows that did not change are not
    /// touched, rows the batch's subjects should no longer have are deleted. Needs `batch_subjects`.
    func merge(_ batch: [String: EncodedTable], table: TableDefinition, db: PostgresConnection) throws -> Int64 {
        let stageName = SQL.quoteIdentifier("stage_" + table.name)
        let stage = "pg_temp.\(stageName)"
        let live = target.table(table.name)
        try freshTempTable(stageName, "(like \(live))", db: db)
        _ = try copyRows(batch[table.name], table: table, into: stage, db: db)
        var deleted = 0
        // A sensor's readings are one row per instant and only ever added; a refold of the dirty
        // set leaves sensor subjects to the projections.
        if table.name != LifestreamTables.temperatureReadings.name {
            deleted = try db.query(staleRowsDelete(table, stage: stage)).affectedRows
        }
        let columns = table.columnNames.map(SQL.quoteIdentifier)
        let updates = table.nonKeyColumns.map { "\(SQL.quoteIdentifier($0.name)) = excluded.\(SQL.quoteIdentifier($0.name))" }
        let old = table.nonKeyColumns.map { "t.\(SQL.quoteIdentifier($0.name))" }.joined(separator: ", ")
        let new = table.nonKeyColumns.map { "excluded.\(SQL.quoteIdentifier($0.name))" }.joined(separator: ", ")
        let upserted = try db.query("""
            insert into \(live) as t (\(columns.joined(separator: ", "))) select \(columns.joined(separator: ", ")) from \(stage)
            on conflict (\(table.primaryKey.map(SQL.quoteIdentifier).joined(separator: ", "))) do update set \(updates.joined(separator: ", "))
            where (\(old)) is distinct from (\(new))
            """).affectedRows
        return Int64(deleted + upserted)
    }
}
