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
/// - `schema_version`: the migrations applied (`StateMigrations`), one row each.
///
/// The layout has versions: `migrate` creates the schema or brings an older one up to date in
/// one transaction, and refuses one written by a newer version of the tool.
public struct StateSchema: Sendable {
    public var name: String
    public init(name: String) { self.name = name }

    /// A state schema per target keeps a shadow rebuild and a live repair from sharing dirty sets.
    public static func defaultName(forTarget target: String) -> String { "\(target)_backfill" }

    /// The target and topic this state belongs to: recorded by the first run, read by every
    /// later one (which refuses to mix them).
    public func bind(target: String, topic: String, db: PostgresConnection) throws -> (target: String, topic: String) {
        try db.query("insert into \(table("binding")) (target_schema, topic) values ($1, $2) on conflict do nothing", [.text(target), .text(topic)])
        let row = try db.query("select target_schema, topic from \(table("binding"))").single("the state schema's binding")
        return (try row.decode("target_schema"), try row.decode("topic"))
    }

    public var q: String { SQL.quoteIdentifier(name) }
    public func table(_ table: String) -> String { "\(q).\(SQL.quoteIdentifier(table))" }
}
