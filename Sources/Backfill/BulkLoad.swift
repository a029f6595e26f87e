import Lifestream
import Postgres

/// The fast path of a rebuild from nothing: when the event log and the target tables are
/// empty, a run's records are appended to the log by plain COPY, without its primary key,
/// and duplicates are settled once, set-based, when the last batch is in.
///
/// Keeping `(subject_id, event_id)` unique while loading costs a random b-tree probe and insert
/// per record, which dominated a rebuild; sorting once and building the index once is several
/// times cheaper. The outcome is the same as the per-batch path's: the record at the lowest
/// (partition, offset) is the event, the others are duplicates, sensor projections are
/// written, every logged subject is dirty. `finish` runs in the transaction that marks the
/// ingest complete, so a crash before it simply loads on and finishes again.
struct BulkLoad {
    let state: StateSchema
    let target: TargetSchema

    /// True when the log and every target table are empty: nothing can conflict.
    static func applies(state: StateSchema, target: TargetSchema, db: PostgresConnection) throws -> Bool {
        let tables = [state.table("events")] + LifestreamTables.all.map { target.table($0.name) }
        let checks = tables.map { "not exists (select 1 from \($0))" }
        return try db.query("select " + checks.joined(separator: " and "))[0, 0] == "t"
    }

    /// Drops the log's key for the load, in the transaction that records the run as a bulk load.
    func begin(db: PostgresConnection) throws {
        try db.execute("""
            alter table \(state.table("events")) drop constraint if exists events_pkey;
            drop table if exists \(state.table("bulk_readings"));
            create table \(state.table("bulk_readings")) (subject_id text not null, event_id text not null,
                occurred_at timestamptz not null, celsius double precision not null, humidity double precision,
                partition integer not null, "offset" bigint not null);
            """)
    }

    /// Whether the log is without its key (a bulk load is under way or was interrupted).
    static func isLoading(state: StateSchema, db: PostgresConnection) throws -> Bool {
        try db.query("""
            select not exists (select 1 from pg_constraint where conrelid = $1::regclass and contype = 'p')
            """, [.text(state.table("events"))])[0, 0] == "t"
    }

    /// Settles duplicates, restores the key, marks subjects dirty, writes the sensor projections
    /// and the run's counters. Runs inside the caller's transaction.
    func finish(runID: String, db: PostgresConnection) throws {
        let events = state.table("events")
        let reading = "temp.reading_recorded"  // the refold leaves sensors to the projections below
        try db.execute("set local work_mem = '256MB'; set local maintenance_work_mem = '512MB'")
        // Keys seen more than once (hashed, not sorted), then their records: the lowest
        // (partition, offset) of each key stays, the others are the duplicates.
        try db.execute("""
            create temp table bulk_losers on commit drop as
            with repeated as (
                select subject_id, event_id from \(events) group by subject_id, event_id having count(*) > 1
            ), records as (
                select e.ctid as tid, e.*, row_number() over (partition by e.subject_id, e.event_id order by e.partition, e."offset") as rank
                from \(events) e join repeated using (subject_id, event_id)
            )
            select * from records where rank > 1;
            delete from \(events) where ctid = any(array(select tid from pg_temp.bulk_losers));
            alter table \(events) add constraint events_pkey primary key (subject_id, event_id);
            """)
        let duplicates = try db.query("""
            with recorded as (
                insert into \(state.table("duplicates")) (partition, "offset", subject_id, event_id, same_payload)
                select l.partition, l."offset", l.subject_id, l.event_id,
                       (l.event_type = e.event_type and l.occurred_at = e.occurred_at
                        and l.source is not distinct from e.source and l.payload::jsonb = e.payload::jsonb)
                from pg_temp.bulk_losers l join \(events) e using (subject_id, event_id)
                on conflict do nothing
                returning 1
            )
            select count(*) from recorded
            """).scalar.flatMap { Int64($0) } ?? 0
        try db.execute("""
            insert into \(state.table("dirty_subjects")) (subject_id)
            select distinct subject_id from \(events) where event_type <> '\(reading)'
            on conflict do nothing
            """)
        // The planner needs to know the losers are few, or it hashes all readings to anti-join them.
        try db.execute("analyze pg_temp.bulk_losers")
        // Sensor rows as the per-batch path writes them, from the readings decoded at ingest
        // (a duplicate's reading is not the event's). The readings table is empty (a bulk load
        // requires it), so its key is built once after the insert instead of row by row — in
        // this transaction, so nobody sees the table without it.
        let readingsTable = target.table("temperature_readings")
        let key = try db.query("""
            select conname, pg_get_constraintdef(oid) from pg_constraint where conrelid = $1::regclass and contype = 'p'
            """, [.text(readingsTable)])
        let keyName = key.rowCount == 1 ? key[0, 0] : nil
        if let keyName { try db.execute("alter table \(readingsTable) drop constraint \(SQL.quoteIdentifier(keyName))") }
        let newReadings = try db.query("""
            with r as (
                select b.subject_id, b.event_id, b.occurred_at, b.celsius, b.humidity from \(state.table("bulk_readings")) b
                where not exists (select 1 from pg_temp.bulk_losers l where l.partition = b.partition and l."offset" = b."offset")
            ), readings as (
                insert into \(readingsTable) (subject_id, occurred_at, celsius, humidity, event_id)
                select distinct on (subject_id, occurred_at) subject_id, occurred_at, celsius, humidity, event_id
                from r order by subject_id, occurred_at, event_id collate "C" desc
            )
            select count(*) from r
            """).scalar.flatMap { Int64($0) } ?? 0
        if let keyName, let definition = key[0, 1] {
            try db.execute("alter table \(readingsTable) add constraint \(SQL.quoteIdentifier(keyName)) \(definition)")
        }
        // Each instant's row is already its largest event_id, so a sensor's latest is its last row.
        let sensorsSeen = try db.query("""
            with latest as (
                insert into \(target.table("temperature_latest")) (subject_id, celsius, humidity, occurred_at, event_id)
                select distinct on (subject_id) subject_id, celsius, humidity, occurred_at, event_id
                from \(readingsTable) order by subject_id, occurred_at desc
                returning subject_id
            ), sensor_subjects as (
                insert into \(target.table("subjects")) (subject_id, subject, visibility, created_at, updated_at)
                select subject_id, 'sensor', 'private', min(occurred_at), max(occurred_at) from \(readingsTable) group by subject_id
            ), first_seen as (
                insert into \(state.table("run_sensor_subjects")) (run_id, subject_id)
                select $1, subject_id from latest
                on conflict do nothing
                returning 1
            )
            select count(*) from first_seen
            """, [.text(runID)]).scalar.flatMap { Int64($0) } ?? 0
        try db.execute("drop table \(state.table("bulk_readings"))")
        try state.addRows(["temperature_readings": newReadings, "temperature_latest": sensorsSeen, "subjects": sensorsSeen], run: runID, db: db)
        try db.query("""
            update \(state.table("runs")) set duplicate = duplicate + $2, valid = read - quarantined - (duplicate + $2),
                new_events = read - quarantined - (duplicate + $2)  -- every valid record was logged, the losers removed
            where run_id = $1
            """, [.text(runID), .init(duplicates)])
    }
}
