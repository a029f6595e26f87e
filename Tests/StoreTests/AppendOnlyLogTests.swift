import Postgres
import Store
import Testing
import TestSupport

/// State step 5: a batch's new events go to the end of the log, not into the few free bytes
/// every page of a loaded log keeps (which scattered them over the whole table).
@Suite("An event log that appends", .tags(.integration))
struct AppendOnlyLogTests {
    /// Loads 60,000 events with full pages (as a bulk load does), vacuums (the free-space map then
    /// knows each page's leftover room), applies `fillFactor`, adds 1,000 small events and returns
    /// how many of them landed on pages that were there before.
    static func newEventsOnOldPages(fillFactor: (StateSchema) -> String) throws -> Int {
        var onOldPages = -1
        try StateMigrationTests.withState { state, db in
            _ = try state.migrate(on: db, toolVersion: "test")
            let events = state.table("events")
            try db.execute("""
                \(state.bulkLoadFillFactor);
                insert into \(events) (subject_id, event_id, event_type, occurred_at, payload, partition, "offset")
                select 'todo_' || g, 'e' || g, 'todo.created', '2026-01-01', '{"title": "' || repeat('x', 100 + g % 200) || '"}', 0, g
                from generate_series(1, 60000) g
                """)
            try db.execute("vacuum \(events)")
            try db.execute(fillFactor(state))
            let before = try db.query("select pg_relation_size($1::regclass) / 8192 as pages", [.text(events)]).single().decode("pages", as: Int.self)
            try db.execute("""
                insert into \(events) (subject_id, event_id, event_type, occurred_at, payload, partition, "offset")
                select 'temp_' || g, 'n' || g, 'temp.reading_recorded', '2026-02-01', '{"celsius": 1}', 1, g
                from generate_series(1, 1000) g
                """)
            onOldPages = try db.query("""
                select count(*) as old from \(events) where subject_id like 'temp\\_%' and (ctid::text::point)[0] < $1
                """, [.init(Int64(before))]).single().decode("old", as: Int.self)
        }
        return onOldPages
    }

    @Test("after state step 5 a batch's events are appended, where before they filled free space all over the log")
    func newEventsAreAppended() throws {
        #expect(try Self.newEventsOnOldPages { $0.appendOnlyFillFactor } == 0)
        // The same without the step's fill factor: the free-space map spreads them over old pages.
        #expect(try Self.newEventsOnOldPages { $0.bulkLoadFillFactor } > 500)
    }
}
