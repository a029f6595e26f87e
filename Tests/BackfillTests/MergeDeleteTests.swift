@testable import Backfill
import Lifestream
import Postgres
import Store
import TestSupport
import Testing

/// How a dirty pass's merge deletes the rows its subjects no longer have: by probing the target's
/// key for the batch's subjects, at a cost that follows the batch, not the table.
@Suite("Merge delete", .tags(.integration))
struct MergeDeleteTests {
    /// A target whose `subjects` holds 200,000 links and 1,000 sensors, and a batch of the 1,000
    /// subjects that sort last among the links (a contiguous run of the sorted dirty set, as a
    /// batch is), of which the stage keeps the even ones.
    static func withLargeTarget(_ body: (PostgresConnection, TableWriter) throws -> Void) throws {
        try TestEnvironment.withScratchSchema("merge_delete") { db, name in
            let target = TargetSchema(name: name)
            try db.execute(target.createStatements)
            try db.execute("""
                insert into \(target.table("subjects")) (subject_id, subject, visibility, created_at, updated_at)
                select 'lnk_' || lpad(g::text, 6, '0'), 'link', 'public', now(), now() from generate_series(1, 200000) g
                union all
                select 'lnk_' || lpad(g::text, 6, '0') || 's', 'sensor', 'private', now(), now() from generate_series(199001, 200000) g;
                analyze \(target.table("subjects"));
                """)
            let writer = TableWriter(state: StateSchema(name: target.name + "_backfill"), target: target, runID: "r", scope: .dirty)
            try db.transaction { db in
                try writer.stageSubjects((199001...200000).flatMap { ["lnk_\($0)", "lnk_\($0)s"] }, db: db)
                try db.execute("""
                    create temp table if not exists stage_subjects (like \(target.table("subjects"))) on commit delete rows;
                    insert into pg_temp.stage_subjects select * from \(target.table("subjects"))
                    where subject_id >= 'lnk_199001' and subject <> 'sensor' and substr(subject_id, 5, 6)::int % 2 = 0;
                    """)
                try body(db, writer)
            }
        }
    }

    @Test("the batch's subjects are probed through the target's key, not found by scanning the table")
    func deleteProbesTheKey() throws {
        try Self.withLargeTarget { db, writer in
            let delete = writer.staleRowsDelete(LifestreamTables.subjects, stage: "pg_temp.stage_subjects")
            let plan = try db.plan(of: delete, options: "analyze, buffers, costs off")
            // Joined as a table, the batch makes the planner scan `subjects` whole (a sequential scan
            // of 201,000 rows) or merge it with the key from its first entry to the batch's last.
            #expect(!plan.contains("Seq Scan on subjects"), "\(plan)")
            #expect(!plan.contains("Merge Join"), "\(plan)")
            #expect(plan.contains("subjects_pkey"), "\(plan)")
            // The statement's own buffers: a few per subject probed, far fewer than the table's pages.
            let top = plan.split(separator: "\n").first { $0.contains("Buffers: shared") } ?? ""
            let touched = top.split(separator: " ").compactMap { word -> Int? in
                guard let value = word.split(separator: "=").last, word.hasPrefix("hit=") || word.hasPrefix("read=") else { return nil }
                return Int(value.trimmingCharacters(in: .punctuationCharacters))
            }.reduce(0, +)
            #expect(touched > 0 && touched < 12_000, "\(top)")
        }
    }

    @Test("the delete removes exactly the batch's subjects the stage no longer has, and never a sensor")
    func deleteRemovesWhatTheBatchNoLongerHas() throws {
        try Self.withLargeTarget { db, writer in
            let subjects = writer.target.table("subjects")
            let deleted = try db.query(writer.staleRowsDelete(LifestreamTables.subjects, stage: "pg_temp.stage_subjects")).affectedRows
            #expect(deleted == 500)
            let left: Int64 = try db.query("""
                select count(*) as n from \(subjects) where subject_id >= 'lnk_199001' and subject <> 'sensor'
                """).single().decode("n")
            #expect(left == 500)
            let odd: Int64 = try db.query("""
                select count(*) as n from \(subjects) where subject_id >= 'lnk_199001' and subject <> 'sensor'
                  and substr(subject_id, 5, 6)::int % 2 = 1
                """).single().decode("n")
            #expect(odd == 0)
            let others: Int64 = try db.query("select count(*) as n from \(subjects)").single().decode("n")
            #expect(others == 201_000 - 500)  // the other links and all 1,000 sensors stay
        }
    }
}
