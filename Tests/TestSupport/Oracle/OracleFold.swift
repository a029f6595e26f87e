/// The rows one subject contributes to the canonical state, from its events in event order.
///
/// Written column by column from the contract's table section. Every event counts in event
/// order whatever its arrival, so pending events behave exactly as if they had arrived
/// after their creating event. A subject whose events span two kinds is not covered by the
/// contract; here the kind of its earliest creating event wins and events of other kinds
/// write nothing (the generator never produces this).
enum OracleFold {
    /// Rows by table name for a subject with a creating event; `events` sorted in event order.
    static func rows(subjectID: String, events: [OracleEvent], kind: String) -> [String: [String: OracleRow]] {
        let events = events.filter { $0.type.kind == kind }
        var tables: [String: [String: OracleRow]] = [:]
        func put(_ table: String, _ key: String, _ row: OracleRow) { tables[table, default: [:]][key] = row }
        func latest(_ types: Set<OracleEventType>) -> OracleEvent? { events.last { types.contains($0.type) } }
        func maxOccurred(_ types: Set<OracleEventType>) -> OracleValue {
            let times = events.filter { types.contains($0.type) }.map(\.occurredAt)
            return times.max().map { .timestamp(micros: $0) } ?? .null
        }
        func occurred(_ event: OracleEvent?) -> OracleValue { event.map { .timestamp(micros: $0.occurredAt) } ?? .null }
        let id = OracleValue.text(subjectID)

        // subjects: min/max occurred_at over the writing types; visibility from the latest
        // link.visibility_changed, else 'private'.
        let writing = events.filter { $0.type.writesSubjects }
        let visibility = latest([.linkVisibilityChanged])?.field("visibility") ?? .text("private")
        put("subjects", subjectID, [
            "subject_id": id, "subject": .text(kind), "visibility": visibility,
            "created_at": .timestamp(micros: writing.map(\.occurredAt).min()!),
            "updated_at": .timestamp(micros: writing.map(\.occurredAt).max()!),
        ])

        switch kind {
        case "link":
            let added = latest([.linkAdded])!
            let statusEvent = latest([.linkAdded, .contentFetched, .enrichmentCompleted, .publishCompleted])!
            let status: String
            switch statusEvent.type {
            case .linkAdded: status = "added"
            case .contentFetched: status = "fetched"
            case .enrichmentCompleted: status = "enriched"
            default: status = "published"
            }
            put("links", subjectID, [
                "subject_id": id, "url": added.field("url"), "title": added.field("title"),
                "source": added.source.map { .text($0) } ?? .null, "added_at": occurred(added),
                "status": .text(status), "visibility": visibility,
                "fetched_at": occurred(latest([.contentFetched])),
                "enriched_at": occurred(latest([.enrichmentCompleted])),
                "published_at": occurred(latest([.publishCompleted])),
                "updated_at": maxOccurred([.linkAdded, .contentFetched, .enrichmentCompleted, .publishCompleted, .linkVisibilityChanged]),
            ])
            if let fetched = latest([.contentFetched]) {
                put("link_content", subjectID, [
                    "subject_id": id, "http_status": fetched.field("http_status"),
                    "content_type": fetched.field("content_type"), "content_text": fetched.field("text"),
                    "word_count": fetched.field("word_count"), "fetched_at": occurred(fetched),
                ])
            }
            if let enriched = latest([.enrichmentCompleted]) {
                put("link_metadata", subjectID, [
                    "subject_id": id, "summary": enriched.field("summary"), "tags": enriched.field("tags"),
                    "language": enriched.field("language"), "model": enriched.field("model"),
                    "enriched_at": occurred(enriched),
                ])
            }
            if let publishStatus = latest([.enrichmentCompleted, .publishCompleted]) {
                let published = latest([.publishCompleted])
                put("publish_state", subjectID, [
                    "subject_id": id,
                    "status": .text(publishStatus.type == .publishCompleted ? "published" : "pending"),
                    "target": published?.field("target") ?? .null,
                    "published_url": published?.field("url") ?? .null,
                    "published_at": occurred(published),
                    "updated_at": maxOccurred([.enrichmentCompleted, .publishCompleted]),
                ])
            }
        case "sensor":
            // Later in event order overwrites: at one instant the larger event_id wins.
            for reading in events {
                put("temperature_readings", OracleState.readingKey(subjectID: subjectID, occurredAtMicros: reading.occurredAt), [
                    "subject_id": id, "occurred_at": occurred(reading), "celsius": reading.field("celsius"),
                    "humidity": reading.field("humidity"), "event_id": .text(reading.eventID),
                ])
            }
            let last = events.last!
            put("temperature_latest", subjectID, [
                "subject_id": id, "celsius": last.field("celsius"), "humidity": last.field("humidity"),
                "occurred_at": occurred(last), "event_id": .text(last.eventID),
            ])
        case "todo":
            let created = latest([.todoCreated])!
            let statusEvent = latest([.todoCreated, .todoCompleted])!
            put("todos", subjectID, [
                "subject_id": id, "title": created.field("title"), "notes": created.field("notes"),
                "due_at": created.field("due_at"), "created_at": occurred(created),
                "status": .text(statusEvent.type == .todoCompleted ? "done" : "open"),
                "completed_at": occurred(latest([.todoCompleted])),
                "updated_at": maxOccurred([.todoCreated, .todoCompleted]),
            ])
        case "annotation":
            let annotation = latest([.annotationAdded])!
            put("annotations", subjectID, [
                "subject_id": id, "link_id": annotation.field("link_id"), "quote": annotation.field("quote"),
                "note": annotation.field("note"), "created_at": occurred(annotation),
            ])
        default:
            break
        }
        return tables
    }
}
