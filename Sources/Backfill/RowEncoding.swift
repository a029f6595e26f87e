import Lifestream
import Postgres

/// Writes folded rows as COPY text in `LifestreamTables` column order.
enum RowEncoding {
    /// The seven tables a refold rewrites; sensor projections are maintained at ingest.
    static let refoldedTables: [TableDefinition] = [
        LifestreamTables.subjects, LifestreamTables.links, LifestreamTables.linkContent, LifestreamTables.linkMetadata,
        LifestreamTables.publishState, LifestreamTables.todos, LifestreamTables.annotations,
    ]

    /// Writes the rows `rows` has for `table`; returns how many.
    static func write(_ rows: SubjectRows, table: String, to w: inout CopyInWriter) -> Int {
        switch table {
        case "subjects":
            guard let r = rows.subject else { return 0 }
            w.field(r.subjectID); w.field(r.subject.rawValue); w.field(r.visibility)
            w.field(r.createdAt.postgresText); w.field(r.updatedAt.postgresText)
        case "links":
            guard let r = rows.link else { return 0 }
            w.field(r.subjectID); w.field(r.url); w.field(r.title); w.field(r.source); w.field(r.addedAt.postgresText)
            w.field(r.status); w.field(r.visibility); w.field(r.fetchedAt?.postgresText); w.field(r.enrichedAt?.postgresText)
            w.field(r.publishedAt?.postgresText); w.field(r.updatedAt.postgresText)
        case "link_content":
            guard let r = rows.linkContent else { return 0 }
            w.field(r.subjectID); w.field(r.httpStatus); w.field(r.contentType); w.field(r.contentText)
            w.field(r.wordCount); w.field(r.fetchedAt.postgresText)
        case "link_metadata":
            guard let r = rows.linkMetadata else { return 0 }
            w.field(r.subjectID); w.field(r.summary); w.field(r.tags); w.field(r.language); w.field(r.model)
            w.field(r.enrichedAt.postgresText)
        case "publish_state":
            guard let r = rows.publishState else { return 0 }
            w.field(r.subjectID); w.field(r.status); w.field(r.target); w.field(r.publishedURL)
            w.field(r.publishedAt?.postgresText); w.field(r.updatedAt.postgresText)
        case "todos":
            guard let r = rows.todo else { return 0 }
            w.field(r.subjectID); w.field(r.title); w.field(r.notes); w.field(r.dueAt?.postgresText)
            w.field(r.createdAt.postgresText); w.field(r.status); w.field(r.completedAt?.postgresText); w.field(r.updatedAt.postgresText)
        case "annotations":
            guard let r = rows.annotation else { return 0 }
            w.field(r.subjectID); w.field(r.linkID); w.field(r.quote); w.field(r.note); w.field(r.createdAt.postgresText)
        case "temperature_readings":
            for r in rows.temperatureReadings {
                w.field(r.subjectID); w.field(r.occurredAt.postgresText); w.field(r.celsius); w.field(r.humidity); w.field(r.eventID)
                w.endRow()
            }
            return rows.temperatureReadings.count
        case "temperature_latest":
            guard let r = rows.temperatureLatest else { return 0 }
            w.field(r.subjectID); w.field(r.celsius); w.field(r.humidity); w.field(r.occurredAt.postgresText); w.field(r.eventID)
        default:
            preconditionFailure("no encoding for table \(table)")
        }
        w.endRow()
        return 1
    }
}
