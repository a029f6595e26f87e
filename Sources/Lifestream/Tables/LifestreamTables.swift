/// The nine tables of the contract (schema name configurable), plus the quarantine table
/// and the legacy tables the older materializer left behind.
public enum LifestreamTables {
    public static let subjects = TableDefinition(name: "subjects", columns: [
        .notNull("subject_id", "text"), .notNull("subject", "text"), .notNull("visibility", "text"),
        .notNull("created_at", "timestamptz"), .notNull("updated_at", "timestamptz"),
    ], primaryKey: ["subject_id"])

    public static let links = TableDefinition(name: "links", columns: [
        .notNull("subject_id", "text"), .notNull("url", "text"), .column("title", "text"), .column("source", "text"),
        .notNull("added_at", "timestamptz"), .notNull("status", "text"), .notNull("visibility", "text"),
        .column("fetched_at", "timestamptz"), .column("enriched_at", "timestamptz"), .column("published_at", "timestamptz"),
        .notNull("updated_at", "timestamptz"),
    ], primaryKey: ["subject_id"])

    public static let linkContent = TableDefinition(name: "link_content", columns: [
        .notNull("subject_id", "text"), .column("http_status", "integer"), .column("content_type", "text"),
        .column("content_text", "text"), .column("word_count", "integer"), .notNull("fetched_at", "timestamptz"),
    ], primaryKey: ["subject_id"])

    public static let linkMetadata = TableDefinition(name: "link_metadata", columns: [
        .notNull("subject_id", "text"), .column("summary", "text"), .column("tags", "jsonb"), .column("language", "text"),
        .column("model", "text"), .notNull("enriched_at", "timestamptz"),
    ], primaryKey: ["subject_id"])

    public static let publishState = TableDefinition(name: "publish_state", columns: [
        .notNull("subject_id", "text"), .notNull("status", "text"), .column("target", "text"),
        .column("published_url", "text"), .column("published_at", "timestamptz"), .notNull("updated_at", "timestamptz"),
    ], primaryKey: ["subject_id"])

    public static let temperatureReadings = TableDefinition(name: "temperature_readings", columns: [
        .notNull("subject_id", "text"), .notNull("occurred_at", "timestamptz"), .notNull("celsius", "double precision"),
        .column("humidity", "double precision"), .notNull("event_id", "text"),
    ], primaryKey: ["subject_id", "occurred_at"])

    public static let temperatureLatest = TableDefinition(name: "temperature_latest", columns: [
        .notNull("subject_id", "text"), .column("celsius", "double precision"), .column("humidity", "double precision"),
        .notNull("occurred_at", "timestamptz"), .notNull("event_id", "text"),
    ], primaryKey: ["subject_id"])

    public static let todos = TableDefinition(name: "todos", columns: [
        .notNull("subject_id", "text"), .notNull("title", "text"), .column("notes", "text"), .column("due_at", "timestamptz"),
        .notNull("created_at", "timestamptz"), .notNull("status", "text"), .column("completed_at", "timestamptz"),
        .notNull("updated_at", "timestamptz"),
    ], primaryKey: ["subject_id"])

    public static let annotations = TableDefinition(name: "annotations", columns: [
        .notNull("subject_id", "text"), .notNull("link_id", "text"), .column("quote", "text"), .column("note", "text"),
        .notNull("created_at", "timestamptz"),
    ], primaryKey: ["subject_id"])

    /// The nine projected tables, in a fixed order used everywhere (DDL, writes, diffs, snapshots).
    public static let all: [TableDefinition] = [
        subjects, links, linkContent, linkMetadata, publishState, temperatureReadings, temperatureLatest, todos, annotations,
    ]

    public static func named(_ name: String) -> TableDefinition? { all.first { $0.name == name } }

    /// Invalid records with their reason (contract: "Validity and quarantine").
    public static let quarantine = TableDefinition(name: "quarantine", columns: [
        .notNull("topic", "text"), .notNull("partition", "integer"), .notNull("offset", "bigint"), .column("key", "bytea"),
        .column("value", "bytea"), .notNull("reason", "text"), .column("record_timestamp", "timestamptz"),
        .notNull("quarantined_at", "timestamptz"),
    ], primaryKey: ["topic", "partition", "offset"])

    public static let legacyDedupe = TableDefinition(name: "event_ingest_dedupe", columns: [
        .notNull("event_id", "text"), .notNull("processed_at", "timestamptz"),
    ], primaryKey: ["event_id"])

    public static let legacyOffsets = TableDefinition(name: "kafka_offsets", columns: [
        .notNull("consumer_group", "text"), .notNull("topic", "text"), .notNull("partition", "integer"),
        .column("offset", "bigint"), .column("updated_at", "timestamptz"),
    ], primaryKey: ["consumer_group", "topic", "partition"])
}
