import Postgres

/// The tool's own bookkeeping, in a schema of its own next to the target tables.
///
/// - `events`: the event log, one row per (subject_id, event_id); the first record seen wins.
///   Folding a subject always reads it from here, so a run can be cut anywhere.
/// - `duplicates`: later records of an already logged event (the diff explains with them).
/// - `dirty_subjects`: subjects whose rows must be refolded; filled in the same transaction
///   as the events, emptied in the same transaction as their rows are written.
/// - `runs` and `run_progress`: each run's plan, counters and per-partition next offset,
///   committed with every batch, so a killed run resumes exactly where it stopped.
/// - `binding`: the target schema this state belongs to (one state per target).
/// - A run into nothing loads the log without its key (`runs.bulk`, see `BulkLoad`).
public struct StateSchema: Sendable {
    public var name: String
    public init(name: String) { self.name = name }

    /// A state schema per target keeps a shadow rebuild and a live repair from sharing dirty sets.
    public static func defaultName(forTarget target: String) -> String { "\(target)_backfill" }

    /// Adds per-table row counts to a run, in the caller's transaction.
    func addRows(_ rows: [String: Int64], run: String, db: PostgresConnection) throws {
        let names = rows.keys.sorted()
        guard !names.isEmpty else { return }
        try db.query("""
            insert into \(table("run_rows")) (run_id, table_name, rows)
            select $1, t, n from unnest($2::text[], $3::bigint[]) as u(t, n)
            on conflict (run_id, table_name) do update set rows = run_rows.rows + excluded.rows
            """, [.text(run), .text("{" + names.joined(separator: ",") + "}"), .text(postgresArray(names.map { rows[$0]! }))])
    }

    public var q: String { SQL.quoteIdentifier(name) }
    public func table(_ table: String) -> String { "\(q).\(SQL.quoteIdentifier(table))" }

    public var createStatements: String {
        """
        create schema if not exists \(q);
        create table if not exists \(table("binding")) (
            only_row boolean primary key default true check (only_row),
            target_schema text not null,
            topic text not null,
            created_at timestamptz not null default now()
        );
        create table if not exists \(table("events")) (
            subject_id text not null,
            event_id text not null,
            event_type text not null,
            occurred_at timestamptz not null,
            source text,
            payload text not null,
            partition integer not null,
            "offset" bigint not null,
            record_timestamp timestamptz,
            ingested_at timestamptz not null default now(),
            primary key (subject_id, event_id)
        );
        create table if not exists \(table("duplicates")) (
            partition integer not null,
            "offset" bigint not null,
            subject_id text not null,
            event_id text not null,
            same_payload boolean not null,
            primary key (partition, "offset")
        );
        create table if not exists \(table("dirty_subjects")) (
            subject_id text primary key
        );
        create table if not exists \(table("runs")) (
            run_id text primary key,
            plan jsonb not null,
            status text not null,
            started_at timestamptz not null default now(),
            finished_at timestamptz,
            read bigint not null default 0,
            valid bigint not null default 0,
            duplicate bigint not null default 0,
            quarantined bigint not null default 0,
            new_events bigint not null default 0,
            pending bigint not null default 0,
            subjects_refolded bigint not null default 0,
            bulk boolean not null default false
        );
        alter table \(table("runs")) add column if not exists bulk boolean not null default false;
        create table if not exists \(table("run_sensor_subjects")) (
            run_id text not null references \(table("runs")) on delete cascade,
            subject_id text not null,
            primary key (run_id, subject_id)
        );
        create table if not exists \(table("run_rows")) (
            run_id text not null references \(table("runs")) on delete cascade,
            table_name text not null,
            rows bigint not null,
            primary key (run_id, table_name)
        );
        create table if not exists \(table("run_progress")) (
            run_id text not null references \(table("runs")) on delete cascade,
            partition integer not null,
            next_offset bigint not null,
            primary key (run_id, partition)
        );
        """
    }
}
