import Foundation
import Kafka
import Postgres

/// The plan a run records: what it set out to read. Two runs with equal plans are the same work,
/// which is how a killed run is found again and resumed.
public struct PlannedRanges: Codable, Sendable, Equatable {
    public var topic: String
    public var ranges: [Range]

    public struct Range: Codable, Sendable, Equatable {
        public var partition: Int32
        public var start: Int64
        public var end: Int64
    }

    public init(topic: String, ranges: [OffsetRange]) {
        self.topic = topic
        self.ranges = ranges.map { Range(partition: $0.partition, start: $0.start, end: $0.end) }
    }

    public var offsetRanges: [OffsetRange] { ranges.map { OffsetRange(partition: $0.partition, start: $0.start, end: $0.end) } }

    /// As the `plan` column holds it (compared as jsonb, so key order and spacing do not matter).
    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// One row of `runs`, read with every column checked (a NULL or a value of the wrong type is an
/// error naming the column).
public struct RunRecord: Sendable, Equatable {
    public var runID: String
    public var status: RunStatus
    public var bulk: Bool
    public var plan: PlannedRanges
    public var read: Int64
    public var valid: Int64
    public var duplicate: Int64
    public var quarantined: Int64
    public var newEvents: Int64
    public var pending: Int64
    public var subjectsRefolded: Int64

    static let columns = "run_id, status, bulk, plan, read, valid, duplicate, quarantined, new_events, pending, subjects_refolded"

    init(_ row: PostgresRow) throws {
        runID = try row.decode("run_id")
        status = try row.decode("status")
        bulk = try row.decode("bulk")
        let plan: String = try row.decode("plan")
        do {
            self.plan = try JSONDecoder().decode(PlannedRanges.self, from: Data(plan.utf8))
        } catch {
            throw StoreError(.decode, "the plan of run \(runID) is not one this version can read: \(error)")
        }
        read = try row.decode("read")
        valid = try row.decode("valid")
        duplicate = try row.decode("duplicate")
        quarantined = try row.decode("quarantined")
        newEvents = try row.decode("new_events")
        pending = try row.decode("pending")
        subjectsRefolded = try row.decode("subjects_refolded")
    }
}

/// The runs of one state schema: how a run starts, resumes, counts and ends. Every change goes
/// through here, so `runs`, `run_progress` and `run_rows` are written one way.
public struct RunLedger: Sendable {
    public let state: StateSchema

    public init(state: StateSchema) { self.state = state }

    private var runs: String { state.table("runs") }

    public func record(_ runID: String, db: PostgresConnection) throws -> RunRecord {
        try RunRecord(db.query("select \(RunRecord.columns) from \(runs) where run_id = $1", [.text(runID)]).single("run \(runID)"))
    }

    /// The unfinished run with exactly this plan, if any: the one to resume.
    public func unfinished(with plan: PlannedRanges, db: PostgresConnection) throws -> String? {
        try db.query("""
            select run_id from \(runs) where status = any($1::text[]) and plan = $2::jsonb order by started_at desc limit 1
            """, [.array(RunStatus.unfinished.map(\.rawValue)), .text(try plan.json())]).first?.decode("run_id")
    }

    /// The newest unfinished run, if any (a follower finishes it before it follows on).
    public func newestUnfinished(db: PostgresConnection) throws -> RunRecord? {
        try db.query("select \(RunRecord.columns) from \(runs) where status = any($1::text[]) order by started_at desc limit 1",
                     [.array(RunStatus.unfinished.map(\.rawValue))]).first.map(RunRecord.init)
    }

    /// The newest complete run, if any: where a follower started without bounds goes on from.
    public func newestComplete(db: PostgresConnection) throws -> RunRecord? {
        try db.query("select \(RunRecord.columns) from \(runs) where status = $1 order by finished_at desc nulls last, started_at desc limit 1",
                     [.text(RunStatus.complete.rawValue)]).first.map(RunRecord.init)
    }

    /// Deletes all but the newest `kept` finished runs (with their progress and row counts), so a
    /// follower's thousands of small runs a day do not pile up; unfinished runs stay.
    @discardableResult
    public func pruneFinished(keeping kept: Int, db: PostgresConnection) throws -> Int {
        try db.query("""
            delete from \(runs) where status = any($1::text[]) and run_id not in (
                select run_id from \(runs) where status = any($1::text[]) order by started_at desc limit $2)
            """, [.array([RunStatus.complete.rawValue, RunStatus.abandoned.rawValue]), .init(kept)]).affectedRows
    }

    /// The newest unfinished bulk load (whose keyless log must be settled before anything else).
    public func unfinishedBulkLoad(db: PostgresConnection) throws -> String? {
        try db.query("select run_id from \(runs) where bulk and status = any($1::text[]) order by started_at desc limit 1",
                     [.array(RunStatus.unfinished.map(\.rawValue))]).first?.decode("run_id")
    }

    /// Marks every unfinished run but `kept` abandoned.
    public func abandonUnfinished(except kept: String? = nil, db: PostgresConnection) throws {
        try db.query("update \(runs) set status = $1 where status = any($2::text[]) and run_id is distinct from $3",
                     [.text(RunStatus.abandoned.rawValue), .array(RunStatus.unfinished.map(\.rawValue)), .init(kept)])
    }

    public func insert(_ runID: String, plan: PlannedRanges, status: RunStatus, bulk: Bool, db: PostgresConnection) throws {
        try db.query("insert into \(runs) (run_id, plan, status, bulk) values ($1, $2::jsonb, $3, $4)",
                     [.text(runID), .text(try plan.json()), .text(status.rawValue), .init(bulk)])
    }

    /// Per partition, the next offset a run still has to read (what its committed batches reached).
    public func progress(_ runID: String, db: PostgresConnection) throws -> [Int32: Int64] {
        var next: [Int32: Int64] = [:]
        for row in try db.query("select partition, next_offset from \(state.table("run_progress")) where run_id = $1", [.text(runID)]) {
            next[try row.decode("partition", as: Int32.self)] = try row.decode("next_offset", as: Int64.self)
        }
        return next
    }

    /// Raises each partition's next offset to at least the given one, in the caller's transaction.
    public func advance(_ runID: String, to next: [Int32: Int64], db: PostgresConnection) throws {
        let partitions = next.keys.sorted()
        guard !partitions.isEmpty else { return }
        try db.query("""
            insert into \(state.table("run_progress")) (run_id, partition, next_offset)
            select $1, p, o from unnest($2::integer[], $3::bigint[]) as u(p, o)
            on conflict (run_id, partition) do update set next_offset = greatest(run_progress.next_offset, excluded.next_offset)
            """, [.text(runID), .array(partitions.map(Int64.init)), .array(partitions.map { next[$0]! })])
    }

    /// Every range read to its end (gaps such as transaction markers included): the ends recorded
    /// and the run `ingested`, in one transaction.
    public func markIngested(_ runID: String, ranges: [OffsetRange], db: PostgresConnection) throws {
        try db.transaction { tx in
            try advance(runID, to: Dictionary(ranges.map { ($0.partition, $0.end) }, uniquingKeysWith: max), db: tx)
            try tx.query("update \(runs) set status = $2 where run_id = $1", [.text(runID), .text(RunStatus.ingested.rawValue)])
        }
    }

    public func markComplete(_ runID: String, db: PostgresConnection) throws {
        try db.query("update \(runs) set status = $2, finished_at = now() where run_id = $1", [.text(runID), .text(RunStatus.complete.rawValue)])
    }

    /// Adds a batch's ingest counts, in the batch's transaction.
    public func addIngested(_ runID: String, read: Int64, valid: Int64, duplicate: Int64, quarantined: Int64, newEvents: Int64,
                            db: PostgresConnection) throws {
        try db.query("""
            update \(runs) set read = read + $2, valid = valid + $3, duplicate = duplicate + $4,
                quarantined = quarantined + $5, new_events = new_events + $6 where run_id = $1
            """, [.text(runID), .init(read), .init(valid), .init(duplicate), .init(quarantined), .init(newEvents)])
    }

    /// Adds a materialize batch's counts, in the batch's transaction.
    public func addMaterialized(_ runID: String, pending: Int64, subjects: Int64, db: PostgresConnection) throws {
        try db.query("update \(runs) set pending = pending + $2, subjects_refolded = subjects_refolded + $3 where run_id = $1",
                     [.text(runID), .init(pending), .init(subjects)])
    }

    /// Adds per-table row counts to a run, in the caller's transaction.
    public func addRows(_ rows: [String: Int64], run: String, db: PostgresConnection) throws {
        let names = rows.keys.sorted()
        guard !names.isEmpty else { return }
        try db.query("""
            insert into \(state.table("run_rows")) (run_id, table_name, rows)
            select $1, t, n from unnest($2::text[], $3::bigint[]) as u(t, n)
            on conflict (run_id, table_name) do update set rows = run_rows.rows + excluded.rows
            """, [.text(run), .array(names), .array(names.map { rows[$0]! })])
    }

    public func rowsWritten(_ runID: String, db: PostgresConnection) throws -> [String: Int64] {
        var rows: [String: Int64] = [:]
        for row in try db.query("select table_name, rows from \(state.table("run_rows")) where run_id = $1", [.text(runID)]) {
            rows[try row.decode("table_name")] = try row.decode("rows", as: Int64.self)
        }
        return rows
    }
}
