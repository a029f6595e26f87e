import Foundation
import Postgres

/// Which two schemas a verified point compared. The right side is the target of the state schema
/// the point is kept in (its database is the state's); the left is named by schema and database,
/// the URL with its password masked, as reports show it.
public struct VerifiedPair: Sendable, Equatable {
    public var leftSchema: String
    public var leftDatabase: String
    public var rightSchema: String

    public init(leftSchema: String, leftDatabase: String, rightSchema: String) {
        self.leftSchema = leftSchema
        self.leftDatabase = leftDatabase
        self.rightSchema = rightSchema
    }
}

/// A diff recorded as verified: up to `checkpoint` the pair was compared, and the subjects that
/// differed then are listed (`VerifiedPoints.differing`). The next incremental diff starts here.
public struct VerifiedPoint: Sendable, Equatable {
    public enum Scope: String, Sendable, Codable {
        case full, incremental
    }

    public var id: Int64
    public var verifiedAt: Date
    public var pair: VerifiedPair
    public var scope: Scope
    /// For an incremental diff: the point it started from, and that point's checkpoint.
    public var sincePoint: Int64?
    public var sinceCheckpoint: Checkpoint?
    /// How far the right side's runs had read when the diff chose its subjects
    /// (`RunLedger.reached`): records at or after it are the next diff's.
    public var checkpoint: Checkpoint
    /// `match`, `within_threshold` or `diverged`.
    public var verdict: String
    /// Subjects an incremental diff covered; nil for a full diff (all of them).
    public var subjects: Int64?
    public var differingSubjects: Int64
    public var differingRows: Int64

    /// "verified point 7 (full diff of 2026-11-22T02:15:40Z)".
    public var described: String {
        "verified point \(id) (\(scope.rawValue) diff of \(Timestamps.iso(verifiedAt)))"
    }
}

/// The verified points of one state schema (`verified_points`, `verified_differing`).
public struct VerifiedPoints: Sendable {
    public let state: StateSchema

    public init(state: StateSchema) { self.state = state }

    /// What a diff records: everything but the id and the time, which the database assigns.
    public struct Entry: Sendable {
        public var pair: VerifiedPair
        public var scope: VerifiedPoint.Scope
        public var since: VerifiedPoint?
        public var sinceCheckpoint: Checkpoint?
        public var checkpoint: Checkpoint
        public var verdict: String
        public var subjects: Int64?
        public var differingRows: Int64
        /// Every subject with a difference (raw, before rules) and its cause (nil when unknown).
        public var differing: [(subject: String, cause: String?)]

        public init(pair: VerifiedPair, scope: VerifiedPoint.Scope, since: VerifiedPoint?, sinceCheckpoint: Checkpoint?,
                    checkpoint: Checkpoint, verdict: String, subjects: Int64?, differingRows: Int64,
                    differing: [(subject: String, cause: String?)]) {
            self.pair = pair
            self.scope = scope
            self.since = since
            self.sinceCheckpoint = sinceCheckpoint
            self.checkpoint = checkpoint
            self.verdict = verdict
            self.subjects = subjects
            self.differingRows = differingRows
            self.differing = differing
        }
    }

    private static let columns = """
        id, extract(epoch from verified_at)::double precision as verified_at, left_schema, left_database, right_schema, scope,
        since_point, since_checkpoint::text as since_checkpoint, checkpoint::text as checkpoint, verdict, subjects,
        differing_subjects, differing_rows
        """

    /// Whether the state schema has the tables (a state from before them has no points yet).
    public func exist(db: PostgresConnection) throws -> Bool {
        try db.query("select to_regclass($1) is not null", [.text(state.table("verified_points"))]).scalar == "t"
    }

    /// The newest point of `pair` (of `scope` when given), nil when there is none.
    public func latest(_ pair: VerifiedPair, scope: VerifiedPoint.Scope? = nil, db: PostgresConnection) throws -> VerifiedPoint? {
        guard try exist(db: db) else { return nil }
        return try db.query("""
            select \(Self.columns) from \(state.table("verified_points"))
            where left_schema = $1 and left_database = $2 and right_schema = $3 and ($4::text is null or scope = $4)
            order by id desc limit 1
            """, [.text(pair.leftSchema), .text(pair.leftDatabase), .text(pair.rightSchema), .init(scope?.rawValue)])
            .first.map(Self.point)
    }

    /// The subjects that differed at `point`, with their causes; empty when its list was pruned
    /// (only the newest point of a pair keeps one).
    public func differing(at point: VerifiedPoint, db: PostgresConnection) throws -> [(subject: String, cause: String?)] {
        try db.query("select subject_id, cause from \(state.table("verified_differing")) where point_id = $1", [.init(point.id)])
            .map { (try $0.decode("subject_id"), try $0.decodeIfPresent("cause")) }
    }

    /// Records a point and its differing subjects in one transaction, and drops the lists of the
    /// pair's older points (the next diff needs only the newest).
    @discardableResult
    public func record(_ entry: Entry, toolVersion: String, db: PostgresConnection) throws -> VerifiedPoint {
        try db.transaction { tx in
            let point = try Self.point(tx.query("""
                insert into \(state.table("verified_points")) (left_schema, left_database, right_schema, scope, since_point,
                    since_checkpoint, checkpoint, verdict, subjects, differing_subjects, differing_rows, tool_version)
                values ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12)
                returning \(Self.columns)
                """, [.text(entry.pair.leftSchema), .text(entry.pair.leftDatabase), .text(entry.pair.rightSchema),
                      .text(entry.scope.rawValue), .init(entry.since?.id), .init(try entry.sinceCheckpoint.map(Self.json)),
                      .text(try Self.json(entry.checkpoint)), .text(entry.verdict), .init(entry.subjects),
                      .init(Int64(entry.differing.count)), .init(entry.differingRows), .text(toolVersion)]).single("the new verified point"))
            if !entry.differing.isEmpty {
                try tx.copyIn("copy \(state.table("verified_differing")) (point_id, subject_id, cause) from stdin") { writer in
                    let id = String(point.id)
                    for (subject, cause) in entry.differing {
                        writer.field(id)
                        writer.field(subject)
                        writer.field(cause)
                        writer.endRow()
                    }
                }
            }
            try tx.query("""
                delete from \(state.table("verified_differing")) where point_id in (
                    select id from \(state.table("verified_points"))
                    where left_schema = $1 and left_database = $2 and right_schema = $3 and id < $4)
                """, [.text(entry.pair.leftSchema), .text(entry.pair.leftDatabase), .text(entry.pair.rightSchema), .init(point.id)])
            return point
        }
    }

    /// Complete runs that finished after `point` and read records before its checkpoint (a run that
    /// filled a gap, or started over): records an incremental diff since the point would not look
    /// at. Chained runs start exactly at the checkpoint and are never listed.
    public func runsReadingBefore(_ point: VerifiedPoint, db: PostgresConnection) throws -> [String] {
        let partitions = point.checkpoint.ends.keys.sorted()
        return try db.query("""
            with cp(p, e) as (select * from unnest($1::integer[], $2::bigint[]))
            select distinct run_id from \(state.table("runs")) cross join jsonb_array_elements(plan -> 'ranges') r
            join cp on cp.p = (r ->> 'partition')::integer
            where status = $3 and finished_at > (select verified_at from \(state.table("verified_points")) where id = $4)
              and (r ->> 'start')::bigint < cp.e and (r ->> 'end')::bigint > (r ->> 'start')::bigint
            order by run_id
            """, [.array(partitions.map(Int64.init)), .array(partitions.map { point.checkpoint.ends[$0]! }),
                  .text(RunStatus.complete.rawValue), .init(point.id)]).map { try $0.decode("run_id") }
    }

    // MARK: Rows

    private static func json(_ checkpoint: Checkpoint) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(checkpoint.offsets), as: UTF8.self)
    }

    private static func checkpoint(_ text: String, source: String) throws -> Checkpoint {
        let offsets: [Checkpoint.PartitionOffset]
        do {
            offsets = try JSONDecoder().decode([Checkpoint.PartitionOffset].self, from: Data(text.utf8))
        } catch {
            throw StoreError(.decode, "the checkpoint of \(source) is not a list of {partition, end}: \(error)")
        }
        return try Checkpoint(source: source, topic: nil, runID: nil, offsets: offsets.map { (Int64($0.partition), $0.end) })
    }

    private static func point(_ row: PostgresRow) throws -> VerifiedPoint {
        let id: Int64 = try row.decode("id")
        let scopeText: String = try row.decode("scope")
        guard let scope = VerifiedPoint.Scope(rawValue: scopeText) else {
            throw StoreError(.decode, "verified point \(id) has scope '\(scopeText)', which this version does not know")
        }
        var point = VerifiedPoint(
            id: id, verifiedAt: Date(timeIntervalSince1970: try row.decode("verified_at")),
            pair: VerifiedPair(leftSchema: try row.decode("left_schema"), leftDatabase: try row.decode("left_database"),
                               rightSchema: try row.decode("right_schema")),
            scope: scope, sincePoint: try row.decodeIfPresent("since_point"), sinceCheckpoint: nil,
            checkpoint: Checkpoint(source: "", topic: nil, runID: nil, ends: [:]), verdict: try row.decode("verdict"),
            subjects: try row.decodeIfPresent("subjects"), differingSubjects: try row.decode("differing_subjects"),
            differingRows: try row.decode("differing_rows"))
        point.checkpoint = try checkpoint(try row.decode("checkpoint"), source: point.described)
        if let since: String = try row.decodeIfPresent("since_checkpoint") {
            point.sinceCheckpoint = try checkpoint(since, source: "the start of \(point.described)")
        }
        return point
    }
}
