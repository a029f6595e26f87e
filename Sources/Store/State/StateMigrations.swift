import Postgres

/// One step of the state schema's layout: applied once, in order, inside the transaction that
/// records it in `schema_version`.
public struct StateMigration: Sendable {
    public let version: Int
    /// What the step adds, as `schema_version` records it.
    public let summary: String
    let statements: @Sendable (StateSchema) -> String
}

/// Every layout the state schema has had, oldest first. A new layout is a new entry at the end —
/// never an edit of an old one, which existing schemas have already applied.
public enum StateMigrations {
    public static let all: [StateMigration] = [v1, verification, foldIndex, positionWithSubject, appendOnlyLog]

    /// The version this tool writes and understands.
    public static var latest: Int { all.last!.version }

    /// The layout of the tool's first releases, plus what versions need: the run status checked
    /// and the version table. Written with `if not exists` throughout, because a schema made
    /// before versions existed (version 0) already has these tables and takes this step too.
    static let v1 = StateMigration(version: 1, summary: "event log, duplicates, dirty set, runs and progress; run status checked; versions recorded") { s in
        """
        create schema if not exists \(s.q);
        create table if not exists \(s.table("binding")) (
            only_row boolean primary key default true check (only_row),
            target_schema text not null,
            topic text not null,
            created_at timestamptz not null default now()
        );
        create table if not exists \(s.table("events")) (
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
        create table if not exists \(s.table("duplicates")) (
            partition integer not null,
            "offset" bigint not null,
            subject_id text not null,
            event_id text not null,
            same_payload boolean not null,
            primary key (partition, "offset")
        );
        create table if not exists \(s.table("dirty_subjects")) (
            subject_id text primary key
        );
        create table if not exists \(s.table("runs")) (
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
        alter table \(s.table("runs")) add column if not exists bulk boolean not null default false;
        alter table \(s.table("runs")) add constraint runs_status_known
            check (status in ('ingesting', 'ingested', 'complete', 'abandoned'));
        create table if not exists \(s.table("run_sensor_subjects")) (
            run_id text not null references \(s.table("runs")) on delete cascade,
            subject_id text not null,
            primary key (run_id, subject_id)
        );
        create table if not exists \(s.table("run_rows")) (
            run_id text not null references \(s.table("runs")) on delete cascade,
            table_name text not null,
            rows bigint not null,
            primary key (run_id, table_name)
        );
        create table if not exists \(s.table("run_progress")) (
            run_id text not null references \(s.table("runs")) on delete cascade,
            partition integer not null,
            next_offset bigint not null,
            primary key (run_id, partition)
        );
        create table \(s.table("schema_version")) (
            version integer primary key,
            summary text not null,
            tool_version text not null,
            applied_at timestamptz not null default now()
        );
        """
    }
}

extension StateSchema {
    /// Where a state schema stands.
    public enum Version: Sendable, Equatable {
        /// No such schema (or not one of ours): `migrate` creates it.
        case absent
        /// Made by a version of the tool before layouts had versions.
        case unversioned
        case version(Int)
    }

    /// The schema's version, read from `schema_version` (or inferred: an event log without it is
    /// a schema from before versions).
    public func version(on db: PostgresConnection) throws -> Version {
        let found = try db.query("select to_regclass($1) is not null as versioned, to_regclass($2) is not null as logged",
                                 [.text(table("schema_version")), .text(table("events"))]).single("the version lookup")
        if try found.decode("versioned", as: Bool.self) {
            let row = try db.query("select max(version) as version from \(table("schema_version"))").single("the version lookup")
            return .version(try row.decodeIfPresent("version", as: Int.self) ?? 0)
        }
        return try found.decode("logged", as: Bool.self) ? .unversioned : .absent
    }

    /// What `migrate` did.
    public struct Migration: Sendable, Equatable {
        public var from: Version
        /// The versions applied, in order (empty: the schema was current).
        public var applied: [Int]
    }

    /// Creates the schema, or brings it to `StateMigrations.latest`, in one transaction. Call it
    /// holding the state schema's lock (`WriterLocks.state`): two migrations of one schema at once
    /// would race. A schema at a version this tool does not know is refused, untouched.
    @discardableResult
    public func migrate(on db: PostgresConnection, toolVersion: String) throws -> Migration {
        try db.transaction { tx in
            try tx.execute("set local client_min_messages = warning")
            let from = try version(on: tx)
            let current: Int
            switch from {
            case .absent, .unversioned: current = 0
            case .version(let version): current = version
            }
            guard current <= StateMigrations.latest else {
                throw StoreError(.state, "state schema \(name) is at layout version \(current), newer than this backfill knows (\(StateMigrations.latest)); it was written by a newer release: upgrade backfill, or give this one another --state-schema")
            }
            var applied: [Int] = []
            for step in StateMigrations.all where step.version > current {
                try tx.execute(step.statements(self))
                try tx.query("insert into \(table("schema_version")) (version, summary, tool_version) values ($1, $2, $3)",
                             [.init(step.version), .text(step.summary), .text(toolVersion)])
                applied.append(step.version)
            }
            return Migration(from: from, applied: applied)
        }
    }
}
