/// Column name → value; always every column of the table, keys included.
public typealias OracleRow = [String: OracleValue]

/// The canonical contents of the nine lifestream tables.
///
/// `tables` always holds all nine table names (an empty table is an empty dictionary), so two
/// states compare equal only when every table matches. Rows are keyed by their primary key
/// rendered as text: `subject_id`, or `subject_id|<occurred_at µs>` for
/// `temperature_readings`.
public struct OracleState: Sendable, Equatable {
    public var tables: [String: [String: OracleRow]]

    public init(tables: [String: [String: OracleRow]] = [:]) {
        var all = tables
        for name in Self.columns.keys where all[name] == nil { all[name] = [:] }
        self.tables = all
    }

    /// The columns of each table exactly as the contract names them, in the contract's order.
    public static let columns: [String: [String]] = [
        "subjects": ["subject_id", "subject", "visibility", "created_at", "updated_at"],
        "links": ["subject_id", "url", "title", "source", "added_at", "status", "visibility",
                  "fetched_at", "enriched_at", "published_at", "updated_at"],
        "link_content": ["subject_id", "http_status", "content_type", "content_text", "word_count", "fetched_at"],
        "link_metadata": ["subject_id", "summary", "tags", "language", "model", "enriched_at"],
        "publish_state": ["subject_id", "status", "target", "published_url", "published_at", "updated_at"],
        "temperature_readings": ["subject_id", "occurred_at", "celsius", "humidity", "event_id"],
        "temperature_latest": ["subject_id", "celsius", "humidity", "occurred_at", "event_id"],
        "todos": ["subject_id", "title", "notes", "due_at", "created_at", "status", "completed_at", "updated_at"],
        "annotations": ["subject_id", "link_id", "quote", "note", "created_at"],
    ]

    /// The primary key of `temperature_readings` rendered as text.
    public static func readingKey(subjectID: String, occurredAtMicros: Int64) -> String {
        subjectID + "|" + String(occurredAtMicros)
    }

    /// Total rows over all tables.
    public var rowCount: Int { tables.values.reduce(0) { $0 + $1.count } }
}
