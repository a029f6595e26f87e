import Postgres

/// Where a run stands, as `runs.status` holds it (a check constraint keeps the column to these).
///
/// `ingesting` → `ingested` → `complete`; a run that another run replaced before it completed is
/// `abandoned` (its logged events stay and are materialized by the run that replaced it).
public enum RunStatus: String, Sendable, CaseIterable, PostgresDecodable {
    case ingesting, ingested, complete, abandoned

    /// Not yet complete nor abandoned: a later run with the same plan resumes it.
    public static let unfinished: [RunStatus] = [.ingesting, .ingested]

    public init?(postgresText text: String) { self.init(rawValue: text) }
}
