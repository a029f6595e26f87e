import Foundation
import Postgres
import Store
import Testing
import TestSupport

@Suite("State schema layouts and their versions", .tags(.integration))
struct StateMigrationTests {
    /// A fresh state schema name on the suite's database, dropped afterwards.
    static func withState(_ body: (StateSchema, PostgresConnection) throws -> Void) throws {
        try TestEnvironment.withScratchSchema("state") { db, name in try body(StateSchema(name: name), db) }
    }

    @Test("a missing state schema is created at the latest version, with every step recorded")
    func fresh() throws {
        try Self.withState { state, db in
            #expect(try state.version(on: db) == .absent)
            let migration = try state.migrate(on: db, toolVersion: "test")
            #expect(migration.from == .absent)
            #expect(migration.applied == StateMigrations.all.map(\.version))
            #expect(try state.version(on: db) == .version(StateMigrations.latest))
            #expect(try state.migrate(on: db, toolVersion: "test").applied == [])
        }
    }

    @Test("a schema from before versions (an event log, no version table) takes every step and keeps its rows")
    func unversioned() throws {
        try Self.withState { state, db in
            try db.execute("""
                create schema \(state.q);
                create table \(state.table("events")) (subject_id text not null, event_id text not null, event_type text not null,
                    occurred_at timestamptz not null, source text, payload text not null, partition integer not null,
                    "offset" bigint not null, record_timestamp timestamptz, ingested_at timestamptz not null default now(),
                    primary key (subject_id, event_id));
                insert into \(state.table("events")) (subject_id, event_id, event_type, occurred_at, payload, partition, "offset")
                values ('link-1', 'e1', 'link.added', now(), '{}', 0, 0);
                create table \(state.table("runs")) (run_id text primary key, plan jsonb not null, status text not null,
                    started_at timestamptz not null default now(), finished_at timestamptz, read bigint not null default 0,
                    valid bigint not null default 0, duplicate bigint not null default 0, quarantined bigint not null default 0,
                    new_events bigint not null default 0, pending bigint not null default 0, subjects_refolded bigint not null default 0)
                """)
            #expect(try state.version(on: db) == .unversioned)
            let migration = try state.migrate(on: db, toolVersion: "test")
            #expect(migration.from == .unversioned)
            #expect(migration.applied == StateMigrations.all.map(\.version))
            #expect(try db.query("select count(*) from \(state.table("events"))").scalar == "1")
            // The column an early release added by `add column if not exists` is there.
            #expect(try db.query("select bulk from \(state.table("runs")) limit 0").columns == ["bulk"])
        }
    }

    @Test("a schema written by a newer release is refused, untouched, with a sentence that says what to do")
    func newer() throws {
        try Self.withState { state, db in
            try state.migrate(on: db, toolVersion: "test")
            let future = StateMigrations.latest + 1
            try db.query("insert into \(state.table("schema_version")) (version, summary, tool_version) values ($1, 'from the future', '9.9')",
                         [.init(future)])
            let error = #expect(throws: StoreError.self) { try state.migrate(on: db, toolVersion: "test") }
            #expect(error?.code == .state)
            #expect(error?.description.contains("layout version \(future), newer than this backfill knows (\(StateMigrations.latest))") == true)
            #expect(try state.version(on: db) == .version(future))
        }
    }

    @Test("the run status column takes only the statuses the tool knows")
    func runStatusChecked() throws {
        try Self.withState { state, db in
            try state.migrate(on: db, toolVersion: "test")
            let ledger = RunLedger(state: state)
            try ledger.insert("run-1", plan: PlannedRanges(topic: "t", ranges: []), status: .ingesting, bulk: false, db: db)
            #expect(try ledger.record("run-1", db: db).status == .ingesting)
            #expect(throws: PostgresError.self) {
                try db.query("update \(state.table("runs")) set status = 'finished' where run_id = 'run-1'")
            }
        }
    }

    @Test("a run row with NULL where a count belongs is an error naming the column, not a crash or a zero")
    func typedDecoding() throws {
        try Self.withState { state, db in
            try state.migrate(on: db, toolVersion: "test")
            let ledger = RunLedger(state: state)
            try ledger.insert("run-1", plan: PlannedRanges(topic: "t", ranges: []), status: .ingesting, bulk: false, db: db)
            try db.execute("alter table \(state.table("runs")) alter column pending drop not null; update \(state.table("runs")) set pending = null")
            let error = #expect(throws: PostgresError.self) { try ledger.record("run-1", db: db) }
            #expect(error?.code == .unexpectedValue)
            #expect(error?.message.contains("column pending is NULL") == true)
        }
    }
}
