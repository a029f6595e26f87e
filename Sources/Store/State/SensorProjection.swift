import Lifestream
import Postgres

/// The sensor projections — `temperature_readings`, `temperature_latest` and a sensor's row in
/// `subjects` — are append-only: the ingest keeps them with guarded upserts (a later event id
/// wins an instant, a later instant wins the latest, the subject row spans them all) instead of
/// refolding, so applying a reading twice, or in any order, gives the same rows. One definition,
/// for the ingest and for re-projecting readings from the log after a target's tables were
/// replaced (`TargetReplacement`).
public enum SensorProjection {
    /// CTEs `readings`, `latest` and `sensor_subjects` (each `returning 1`) upserting the
    /// readings of `source` — a relation with subject_id, event_id, occurred_at, celsius and
    /// humidity — into `target`; to follow `with … ,` in a statement.
    public static func upserts(from source: String, into target: TargetSchema) -> String {
        """
        readings as (
            insert into \(target.table("temperature_readings")) as t (subject_id, occurred_at, celsius, humidity, event_id)
            select distinct on (subject_id, occurred_at) subject_id, occurred_at, celsius, humidity, event_id
            from \(source) order by subject_id, occurred_at, event_id collate "C" desc
            on conflict (subject_id, occurred_at) do update
                set celsius = excluded.celsius, humidity = excluded.humidity, event_id = excluded.event_id
                where excluded.event_id collate "C" > t.event_id collate "C"
            returning 1
        ), latest as (
            insert into \(target.table("temperature_latest")) as t (subject_id, celsius, humidity, occurred_at, event_id)
            select distinct on (subject_id) subject_id, celsius, humidity, occurred_at, event_id
            from \(source) order by subject_id, occurred_at desc, event_id collate "C" desc
            on conflict (subject_id) do update
                set celsius = excluded.celsius, humidity = excluded.humidity, occurred_at = excluded.occurred_at, event_id = excluded.event_id
                where excluded.occurred_at > t.occurred_at
                   or (excluded.occurred_at = t.occurred_at and excluded.event_id collate "C" > t.event_id collate "C")
            returning 1
        ), sensor_subjects as (
            insert into \(target.table("subjects")) as t (subject_id, subject, visibility, created_at, updated_at)
            select subject_id, 'sensor', 'private', min(occurred_at), max(occurred_at) from \(source) group by subject_id
            on conflict (subject_id) do update
                set created_at = least(t.created_at, excluded.created_at), updated_at = greatest(t.updated_at, excluded.updated_at)
                where excluded.created_at < t.created_at or excluded.updated_at > t.updated_at
            returning 1
        )
        """
    }

    /// Applies the logged readings that `filter` selects (a condition on the log `e`; it may
    /// join `pg_temp` tables the caller filled) to `target`, in pages through a cursor of the
    /// caller's transaction: each page decoded as the ingest decodes it, staged, and upserted.
    /// Returns the readings applied.
    public static func reapply(from state: StateSchema, into target: TargetSchema, filter: String,
                        db: PostgresConnection, page: Int = 20_000) throws -> Int64 {
        try db.execute("""
            create temp table if not exists restage_readings (subject_id text, event_id text, occurred_at timestamptz,
                celsius double precision, humidity double precision) on commit drop;
            declare replaced_readings no scroll cursor for
            select e.subject_id, e.event_id, e.occurred_at, e.payload from \(state.table("events")) e
            where e.event_type = 'temp.reading_recorded' and (\(filter))
            """)
        var applied: Int64 = 0
        while true {
            let rows = try db.query("fetch \(page) from replaced_readings")
            guard rows.rowCount > 0 else { break }
            try db.execute("truncate pg_temp.restage_readings")
            try db.copyIn("copy pg_temp.restage_readings from stdin") { writer in
                for row in 0..<rows.rowCount {
                    let payload = Array((rows[row, 3] ?? "").utf8)
                    guard case .success(.tempReadingRecorded(let celsius, let humidity)) = payload.withUnsafeBytes({
                        EventDecoder.decodePayload(type: .tempReadingRecorded, bytes: $0)
                    }) else {
                        throw StoreError(.state, "a reading of sensor \(rows[row, 0] ?? "?") in the log no longer validates")
                    }
                    writer.field(rows[row, 0]); writer.field(rows[row, 1]); writer.field(rows[row, 2])
                    writer.field(celsius); writer.field(humidity)
                    writer.endRow()
                }
            }
            try db.query("with \(upserts(from: "pg_temp.restage_readings", into: target)) select 1")
            applied += Int64(rows.rowCount)
        }
        try db.execute("close replaced_readings")
        return applied
    }
}
