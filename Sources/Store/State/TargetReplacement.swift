import Lifestream
import Postgres

/// What a target's state schemas must be told when something other than a run replaces the
/// target's tables: a `snapshot import` or a `replay`.
///
/// A state schema's event log says which events the target's tables reflect; a run refolds only
/// the subjects its new events touch. After the tables are replaced that claim is wrong, and a
/// run of the same (or any later) bounds would leave them as they are. So the replacement puts
/// back, in its own transaction, what the log knows and the new tables may lack: it marks those
/// subjects dirty (the next run refolds them from the log) and applies the sensor readings again
/// (sensor projections are not refolded: `SensorProjection`). The log itself is kept: it is what
/// Kafka said, and may hold events retention has since deleted.
///
/// Which part of the log: when the new tables carry a checkpoint of this very state schema (a
/// snapshot exported with `--checkpoint` after one of its complete runs, on its topic) and none
/// of the nine tables went missing, only the events logged at or past the checkpoint's end
/// offsets (or on a partition it does not name): the rest is exactly what that run left.
/// Otherwise all of it, the logged sensors' rows first removed.
public enum TargetReplacement {
    /// What was put back in one state schema's target.
    public struct Marked: Sendable, Equatable {
        public var stateSchema: String
        /// Subjects marked for refolding by the next run.
        public var subjects: Int64
        /// Sensor readings applied again now.
        public var readings: Int64
        /// True when only the events past the checkpoint counted.
        public var sinceCheckpoint: Bool
    }

    /// The state schemas bound to `target` (a `binding` table naming it), by name.
    public static func boundStates(target: String, db: PostgresConnection) throws -> [StateSchema] {
        let candidates = try db.query("""
            select n.nspname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where c.relname = 'binding' and c.relkind in ('r', 'p')
              and exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = c.oid and a.attname = 'target_schema' and not a.attisdropped)
              and exists (select 1 from pg_catalog.pg_class d where d.relnamespace = n.oid and d.relname = 'dirty_subjects')
            order by n.nspname
            """)
        return try (0..<candidates.rowCount).compactMap { row -> StateSchema? in
            guard let name = candidates[row, 0] else { return nil }
            let state = StateSchema(name: name)
            return try boundTarget(of: state, db: db) == target ? state : nil
        }
    }

    /// The target a state schema's binding names; nil when the schema was dropped since the
    /// catalog was read (another session's cleanup can drop one between the two statements).
    /// Inside a transaction the read runs in a savepoint, so a vanished schema does not abort
    /// the replacing transaction.
    private static func boundTarget(of state: StateSchema, db: PostgresConnection) throws -> String? {
        let vanished: Set<String> = ["42P01", "3F000"]  // undefined_table, invalid_schema_name
        let savepoint = db.isInTransaction
        if savepoint { try db.execute("savepoint bound_state") }
        do {
            let target = try db.query("select target_schema from \(state.table("binding"))").scalar
            if savepoint { try db.execute("release savepoint bound_state") }
            return target
        } catch let error as PostgresError where vanished.contains(error.sqlState ?? "") {
            if savepoint { try db.execute("rollback to savepoint bound_state; release savepoint bound_state") }
            return nil
        }
    }

    /// Puts back what every state schema bound to `target` knows (see the type's comment).
    /// `replacedTables`: the tables the replacement wrote; `missingTables`: true when some of
    /// the nine may be gone (a whole schema swapped in without them). Run it in the replacing
    /// transaction, holding the target's `WriterLocks.schema` lock, so no run of those state
    /// schemas is at work.
    public static func markStale(target: String, replacedTables: Set<String>, missingTables: Bool, checkpoint: Checkpoint?,
                                 db: PostgresConnection) throws -> [Marked] {
        let lifestream = Set(LifestreamTables.all.map(\.name))
        guard !replacedTables.isDisjoint(with: lifestream) || missingTables else { return [] }
        let targetSchema = TargetSchema(name: target)
        let states = try boundStates(target: target, db: db)
        // Tables a swapped-in schema lacks are created (empty) for the rows put back.
        if !states.isEmpty { try db.execute(targetSchema.createStatements) }
        return try states.map { state in
            let since = try missingTables ? nil : checkpoint.flatMap { try isOwnCheckpoint($0, of: state, db: db) ? $0 : nil }
            try db.execute("create temp table if not exists replaced_since (p integer primary key, o bigint not null) on commit drop; truncate pg_temp.replaced_since")
            if let since {
                let ends = since.ends.sorted { $0.key < $1.key }
                try db.query("insert into pg_temp.replaced_since select * from unnest($1::integer[], $2::bigint[])",
                             [.array(ends.map { Int64($0.key) }), .array(ends.map(\.value))])
            }
            // Past the checkpoint: an event on a partition it names, at or after its end, or on
            // one it does not name. Without a checkpoint the table stays empty: every event.
            let past = since == nil ? "true" : """
                not exists (select 1 from pg_temp.replaced_since c where c.p = e.partition and e."offset" < c.o)
                """
            let marked = Int64(try db.query("""
                with marked as (
                    insert into \(state.table("dirty_subjects")) (subject_id)
                    select distinct e.subject_id from \(state.table("events")) e
                    where e.event_type <> 'temp.reading_recorded' and \(past)
                    on conflict do nothing returning 1)
                select count(*) from marked
                """).scalar ?? "0") ?? 0
            if since == nil {
                // The new sensor rows may be anything: the logged sensors' rows are rebuilt whole.
                let sensors = "select distinct subject_id from \(state.table("events")) where event_type = 'temp.reading_recorded'"
                try db.execute("""
                    delete from \(targetSchema.table("temperature_readings")) where subject_id in (\(sensors));
                    delete from \(targetSchema.table("temperature_latest")) where subject_id in (\(sensors));
                    delete from \(targetSchema.table("subjects")) where subject = 'sensor' and subject_id in (\(sensors));
                    """)
            }
            let readings = try SensorProjection.reapply(from: state, into: targetSchema, filter: past, db: db)
            return Marked(stateSchema: state.name, subjects: marked, readings: readings, sinceCheckpoint: since != nil)
        }
    }

    /// True when `checkpoint` is where a complete run of `state` ended, on the state's topic.
    private static func isOwnCheckpoint(_ checkpoint: Checkpoint, of state: StateSchema, db: PostgresConnection) throws -> Bool {
        guard let runID = checkpoint.runID, !checkpoint.ends.isEmpty else { return false }
        let topic = try db.query("select topic from \(state.table("binding"))").scalar
        guard checkpoint.topic == nil || checkpoint.topic == topic else { return false }
        return try db.query("select 1 from \(state.table("runs")) where run_id = $1 and status = 'complete'", [.text(runID)]).rowCount == 1
    }
}
