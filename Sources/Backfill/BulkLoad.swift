import Lifestream
import Postgres
import Store

/// The fast path of a rebuild from nothing: when the event log and the target tables are
/// empty, a run's records are appended to the log by plain COPY, without its primary key, and
/// the whole log is then folded once (`Materializer.Scope.bulk`).
///
/// Keeping `(subject_id, event_id)` unique while loading costs a random b-tree probe and insert
/// per record, which dominated a rebuild; building the index once is several times cheaper.
/// The bulk pass reads the log in subject order anyway, so it settles duplicates as it folds —
/// the record at the lowest (partition, offset) is the event, the others are duplicates — and
/// writes all nine tables, sensors included, straight into the empty targets. Its one
/// transaction ends with `settle`: the duplicates recorded and removed, the key built. A crash
/// anywhere before that commit leaves a keyless log and empty tables, and the next run folds
/// again; the outcome is the per-batch path's.
struct BulkLoad {
    let state: StateSchema
    let target: TargetSchema

    /// True when the log and every target table are empty: nothing can conflict.
    static func applies(state: StateSchema, target: TargetSchema, db: PostgresConnection) throws -> Bool {
        let tables = [state.table("events")] + LifestreamTables.all.map { target.table($0.name) }
        let checks = tables.map { "not exists (select 1 from \($0))" }
        return try db.query("select " + checks.joined(separator: " and "))[0, 0] == "t"
    }

    /// Drops the log's key (and its secondary indexes, `StateSchema.dropSecondaryIndexes`) for the load, in the transaction that records the run as a bulk load;
    /// pages are filled to the brim until `settle` (`StateSchema.bulkLoadFillFactor`).
    /// Autovacuum stays off the log until `settle`: each committed batch would otherwise count
    /// toward vacuuming a table that is only being appended to, mid-run, on the run's CPU.
    func begin(db: PostgresConnection) throws {
        try db.execute("""
            alter table \(state.table("events")) drop constraint if exists events_pkey;
            \(state.dropSecondaryIndexes);
            alter table \(state.table("events")) set (autovacuum_enabled = off);
            \(state.bulkLoadFillFactor);
            drop table if exists \(state.table("bulk_readings"));
            """)
    }

    /// Whether the log is without its key (a bulk load is under way or was interrupted).
    static func isLoading(state: StateSchema, db: PostgresConnection) throws -> Bool {
        try db.query("""
            select not exists (select 1 from pg_constraint where conrelid = $1::regclass and contype = 'p')
            """, [.text(state.table("events"))])[0, 0] == "t"
    }

    /// Records the duplicates the bulk pass found (`pg_temp.bulk_duplicates`: each duplicate's
    /// tuple id and its event's), removes them from the log, builds the key and the secondary indexes, gathers the
    /// log's statistics (the next batch's plan depends on them) and settles the run's counters. Runs at the end of the bulk pass's transaction.
    func settle(runID: String, db: PostgresConnection) throws {
        let events = state.table("events")
        try db.execute("set local maintenance_work_mem = '512MB'")
        let duplicates = try db.query("""
            with recorded as (
                insert into \(state.table("duplicates")) (partition, "offset", subject_id, event_id, same_payload)
                select l.partition, l."offset", l.subject_id, l.event_id,
                       (l.event_type = e.event_type and l.occurred_at = e.occurred_at
                        and l.source is not distinct from e.source and l.payload::jsonb = e.payload::jsonb)
                from pg_temp.bulk_duplicates d join \(events) l on l.ctid = d.loser join \(events) e on e.ctid = d.winner
                on conflict do nothing
                returning 1
            )
            select count(*) from recorded
            """).scalar.flatMap { Int64($0) } ?? 0
        try db.execute("""
            delete from \(events) e using pg_temp.bulk_duplicates d where e.ctid = d.loser;
            alter table \(events) add constraint events_pkey primary key (subject_id, event_id);
            \(state.createSecondaryIndexes);
            alter table \(events) reset (autovacuum_enabled);
            \(state.appendOnlyFillFactor);
            analyze \(events);
            drop table if exists \(state.table("bulk_readings"));
            """)
        try db.query("""
            update \(state.table("runs")) set duplicate = duplicate + $2, valid = read - quarantined - (duplicate + $2),
                new_events = read - quarantined - (duplicate + $2)  -- every valid record was logged, the duplicates removed
            where run_id = $1
            """, [.text(runID), .init(duplicates)])
    }
}
