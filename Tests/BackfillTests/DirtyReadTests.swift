@testable import Backfill
import Postgres
import Store
import TestSupport
import Testing

/// How a dirty pass reads the dirty subjects' events out of a log many times larger: through the
/// log's fold index, whatever the planner believes about the dirty set.
@Suite("Dirty read", .tags(.integration))
struct DirtyReadTests {
    /// A state schema whose log holds 100,000 events of 50,000 subjects, and a dirty set of 400
    /// subjects whose statistics still say 50,000 (what a follower's dirty set, filled and emptied
    /// every batch, often looks like to the planner).
    static func withStaleDirtySet(_ body: (PostgresConnection, StateSchema) throws -> Void) throws {
        try TestEnvironment.withScratchSchema("dirty_read") { db, name in
            let state = StateSchema(name: name)
            _ = try state.migrate(on: db, toolVersion: "test")
            try db.execute("""
                insert into \(state.table("events")) (subject_id, event_id, event_type, occurred_at, source, payload, partition, "offset")
                select 'todo_' || (g % 50000), 'e' || g, 'todo.created', '2026-01-01'::timestamptz + g * interval '1 second', null,
                       '{"title": "t"}', 0, g
                from generate_series(1, 100000) g;
                insert into \(state.table("dirty_subjects")) select 'todo_' || g from generate_series(1, 50000) g;
                analyze \(state.table("events"));
                analyze \(state.table("dirty_subjects"));
                delete from \(state.table("dirty_subjects")) where substr(subject_id, 6)::int > 400;
                """)
            try body(db, state)
        }
    }

    @Test("a small dirty set in a large log is read through the index, serially, even when its statistics say otherwise")
    func smallDirtySetIsReadThroughTheIndex() throws {
        try Self.withStaleDirtySet { db, state in
            let reader = EventLogReader(connection: db, state: state, bulk: false)
            let read = try reader.dirtyRead()
            #expect(read == EventLogReader.DirtyRead(indexed: true, parallel: false))
            // More subjects than the array may hold, or a fifth of the log: the hash join.
            #expect(try reader.dirtyRead(indexedAtMost: 399).indexed == false)
            #expect(try reader.dirtyRead(indexedShare: 0.004).indexed == false)
            #expect(try reader.dirtyRead(serialBelow: 400).parallel)
            let plan = try db.plan(of: reader.dirtySubjects(indexed: read.indexed))
            // As a join of the two tables, the planner hashes the whole log here (a sequential scan of
            // 100,000 rows) for 400 subjects.
            #expect(!plan.contains("Hash Join"), "\(plan)")
            #expect(!plan.contains("Seq Scan on events"), "\(plan)")
            #expect(plan.contains("Bitmap Index Scan on events_fold"), "\(plan)")
        }
    }

    @Test("the indexed read returns the dirty subjects' events but readings, in subject and time order")
    func indexedReadReturnsTheDirtySubjectsEvents() throws {
        try Self.withStaleDirtySet { db, state in
            let reader = EventLogReader(connection: db, state: state, bulk: false)
            try db.execute("""
                insert into \(state.table("events")) (subject_id, event_id, event_type, occurred_at, source, payload, partition, "offset")
                values ('todo_7', 'r1', 'temp.reading_recorded', '2025-01-01', null, '{}', 1, 1)
                """)
            let rows = try db.query(reader.dirtySubjects(indexed: true)).rows  // subject_id, event_id, …
            #expect(rows.count == 800)  // two events each for the 400 dirty subjects; the reading is left out
            #expect(Set(rows.compactMap { $0[0] }).count == 400)
            #expect(!rows.contains { $0[1] == "r1" })
            let subjects = rows.compactMap { $0[0] }
            #expect(subjects == subjects.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        }
    }
}
