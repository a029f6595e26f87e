import Lifestream
import Postgres

/// Writes folded rows as binary COPY in `LifestreamTables` column order.
///
/// Binary, because the output rows are mostly timestamps and doubles: as text each would be
/// formatted here and parsed again by the server.
public enum RowEncoding {
    /// The seven tables a refold of dirty subjects rewrites; sensor projections are maintained at
    /// ingest (a bulk pass writes all nine).
    public static let refoldedTables: [TableDefinition] = [
        LifestreamTables.subjects, LifestreamTables.links, LifestreamTables.linkContent, LifestreamTables.linkMetadata,
        LifestreamTables.publishState, LifestreamTables.todos, LifestreamTables.annotations,
    ]

    /// Writes the rows `rows` has for `table`; returns how many. The COPY must be `(FORMAT binary)`
    /// and its data opened with `binaryHeader()`.
    public static func write(_ rows: SubjectRows, table: String, to w: inout CopyInWriter) -> Int {
        switch table {
        case "subjects":
            guard let r = rows.subject else { return 0 }
            w.binaryRow(fields: 5)
            w.binary(r.subjectID); w.binary(r.subject.rawValue); w.binary(r.visibility)
            w.binary(r.createdAt); w.binary(r.updatedAt)
        case "links":
            guard let r = rows.link else { return 0 }
            w.binaryRow(fields: 11)
            w.binary(r.subjectID); w.binary(r.url); w.binary(r.title); w.binary(r.source); w.binary(r.addedAt)
            w.binary(r.status); w.binary(r.visibility); w.binary(r.fetchedAt); w.binary(r.enrichedAt)
            w.binary(r.publishedAt); w.binary(r.updatedAt)
        case "link_content":
            guard let r = rows.linkContent else { return 0 }
            w.binaryRow(fields: 6)
            w.binary(r.subjectID); w.binary(int4: r.httpStatus); w.binary(r.contentType); w.binary(r.contentText)
            w.binary(int4: r.wordCount); w.binary(r.fetchedAt)
        case "link_metadata":
            guard let r = rows.linkMetadata else { return 0 }
            w.binaryRow(fields: 6)
            w.binary(r.subjectID); w.binary(r.summary); w.binary(jsonb: r.tags); w.binary(r.language); w.binary(r.model)
            w.binary(r.enrichedAt)
        case "publish_state":
            guard let r = rows.publishState else { return 0 }
            w.binaryRow(fields: 6)
            w.binary(r.subjectID); w.binary(r.status); w.binary(r.target); w.binary(r.publishedURL)
            w.binary(r.publishedAt); w.binary(r.updatedAt)
        case "todos":
            guard let r = rows.todo else { return 0 }
            w.binaryRow(fields: 8)
            w.binary(r.subjectID); w.binary(r.title); w.binary(r.notes); w.binary(r.dueAt)
            w.binary(r.createdAt); w.binary(r.status); w.binary(r.completedAt); w.binary(r.updatedAt)
        case "annotations":
            guard let r = rows.annotation else { return 0 }
            w.binaryRow(fields: 5)
            w.binary(r.subjectID); w.binary(r.linkID); w.binary(r.quote); w.binary(r.note); w.binary(r.createdAt)
        case "temperature_readings":
            for r in rows.temperatureReadings {
                w.binaryRow(fields: 5)
                w.binary(r.subjectID); w.binary(r.occurredAt); w.binary(float8: r.celsius); w.binary(float8: r.humidity); w.binary(r.eventID)
            }
            return rows.temperatureReadings.count
        case "temperature_latest":
            guard let r = rows.temperatureLatest else { return 0 }
            w.binaryRow(fields: 5)
            w.binary(r.subjectID); w.binary(float8: r.celsius); w.binary(float8: r.humidity); w.binary(r.occurredAt); w.binary(r.eventID)
        default:
            preconditionFailure("no encoding for table \(table)")
        }
        return 1
    }
}

extension CopyInWriter {
    /// A `timestamptz` field; nil writes NULL.
    public mutating func binary(_ value: Timestamp?) {
        binary(timestampMicroseconds: value?.microseconds)
    }
}
