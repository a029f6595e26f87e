import Postgres

extension StateMigrations {
    /// What an incremental diff needs (issue 19), self-contained so it can take any place in the
    /// list: its `version` is its position there.
    ///
    /// - `events_position`: the log by (partition, offset), so the subjects with records after a
    ///   checkpoint are found by an index range per partition instead of a scan of the whole log
    ///   (`duplicates` is keyed by (partition, offset) already, `quarantine` by (topic, partition,
    ///   offset)). A bulk load drops and rebuilds it with the log's key (`createSecondaryIndexes`).
    /// - `verified_points`: every diff the nightly (or a verifier) recorded as verified: when,
    ///   which pair of schemas, full or incremental and since which checkpoint, the checkpoint the
    ///   shadow had reached, the verdict, how many subjects it covered and how many differed.
    /// - `verified_differing`: the subjects that differed at a point (raw, before rules), with
    ///   their cause: the next incremental diff checks them again, and a later diff tells an
    ///   old difference from a change made without events. Only the newest point's list is kept.
    static let verification = StateMigration(
        version: 2, summary: "events by (partition, offset); verified points and the subjects that differed at each"
    ) { s in
        """
        create index if not exists \(StateSchema.positionIndexName) on \(s.table("events")) (partition, "offset");
        create table \(s.table("verified_points")) (
            id bigint generated always as identity primary key,
            verified_at timestamptz not null default now(),
            left_schema text not null,
            left_database text not null,
            right_schema text not null,
            scope text not null check (scope in ('full', 'incremental')),
            since_point bigint,
            since_checkpoint jsonb,
            checkpoint jsonb not null,
            verdict text not null check (verdict in ('match', 'within_threshold', 'diverged')),
            subjects bigint,
            differing_subjects bigint not null,
            differing_rows bigint not null,
            tool_version text not null
        );
        create index verified_points_pair on \(s.table("verified_points")) (left_schema, right_schema, left_database, id);
        create table \(s.table("verified_differing")) (
            point_id bigint not null references \(s.table("verified_points")) on delete cascade,
            subject_id text not null,
            cause text,
            primary key (point_id, subject_id)
        );
        """
    }
}

extension StateMigrations {
    /// `events_position` carries each record's subject (issue 19): the touched subjects of an
    /// incremental diff were found through it with a visit to the log's heap per record — 37,524
    /// heap pages, ~300 ms, for the last 100,000 records of a 4M-event log, most of an
    /// incremental diff's time — where the index alone can answer (an index-only scan).
    static let positionWithSubject = StateMigration(version: 4, summary: "the log's position index carries the subject") { s in
        "drop index if exists \(s.q).\(SQL.quoteIdentifier(StateSchema.positionIndexName)); \(s.createPositionIndex)"
    }
}

extension StateSchema {
    /// The log's index by arrival position (`StateMigrations.verification`).
    public static let positionIndexName = "events_position"

    /// Builds the position index (`createSecondaryIndexes`, when a bulk load settles).
    public var createPositionIndex: String {
        "create index if not exists \(SQL.quoteIdentifier(Self.positionIndexName)) on \(table("events")) (partition, \"offset\") include (subject_id)"
    }
}
