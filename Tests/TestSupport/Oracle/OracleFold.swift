/// The rows one subject contributes to the canonical state, from its events in event order.
///
/// Written column by column from the contract's table section. Every event counts in event
/// order whatever its arrival, so pending events behave exactly as if they had arrived
/// after their creating event. A subject whose events span two kinds is not covered by the
/// contract; here the kind of its earliest creating event wins and events of other kinds
/// write nothing (the generator never produces this).
enum OracleFold {
    /// Adds the rows of a subject with a creating event to `tables`; `events` sorted in
    /// event order.
    static func addRows(subjectID: String, events: [OracleEvent], kind: String,
                        to tables: inout [String: [String: OracleRow]]) {
        // Because events are in event order, the first event of a type has its min
        // occurred_at and the last one is its latest (and has its max occurred_at).
        // Both are indexed by `OracleEventType.index`.
        var firstOfType = [OracleEvent?](repeating: nil, count: OracleEventType.allCases.count)
        var lastOfType = firstOfType
        for event in events where event.type.kind == kind {
            if firstOfType[event.type.index] == nil { firstOfType[event.type.index] = event }
            lastOfType[event.type.index] = event
        }
        func last(_ type: OracleEventType) -> OracleEvent? { lastOfType[type.index] }
        /// The latest event among the given types (LWW over several types).
        func latest(_ types: [OracleEventType]) -> OracleEvent? {
            types.compactMap { lastOfType[$0.index] }.max { OracleEvent.inEventOrder($0, $1) }
        }
        func minOccurred(_ types: [OracleEventType]) -> OracleValue {
            types.compactMap { firstOfType[$0.index]?.occurredAt }.min().map { .timestamp(micros: $0) } ?? .null
        }
        func maxOccurred(_ types: [OracleEventType]) -> OracleValue {
            types.compactMap { lastOfType[$0.index]?.occurredAt }.max().map { .timestamp(micros: $0) } ?? .null
        }
        func occurred(_ event: OracleEvent?) -> OracleValue { event.map { .timestamp(micros: $0.occurredAt) } ?? .null }
        func put(_ table: String, _ key: String, _ row: OracleRow) { tables[table, default: [:]][key] = row }

        let id = OracleValue.text(subjectID)

        // subjects: min/max occurred_at over the types that write it; visibility from the
        // latest link.visibility_changed, else 'private'.
        let writing = OracleEventType.subjectWriters
        let visibility = last(.linkVisibilityChanged)?.field("visibility") ?? .text("private")
        put("subjects", subjectID, [
            "subject_id": id, "subject": .text(kind), "visibility": visibility,
            "created_at": minOccurred(writing), "updated_at": maxOccurred(writing),
        ])

        switch kind {
        case "link":
            let added = last(.linkAdded)!
            let status: String
            switch latest([.linkAdded, .contentFetched, .enrichmentCompleted, .publishCompleted])!.type {
            case .linkAdded: status = "added"
            case .contentFetched: status = "fetched"
            case .enrichmentCompleted: status = "enriched"
            default: status = "published"
            }
            put("links", subjectID, [
                "subject_id": id, "url": added.field("url"), "title": added.field("title"),
                "source": added.source.map { .text($0) } ?? .null, "added_at": occurred(added),
                "status": .text(status), "visibility": visibility,
                "fetched_at": occurred(last(.contentFetched)),
                "enriched_at": occurred(last(.enrichmentCompleted)),
                "published_at": occurred(last(.publishCompleted)),
                "updated_at": maxOccurred([.linkAdded, .contentFetched, .enrichmentCompleted, .publishCompleted, .linkVisibilityChanged]),
            ])
            if let fetched = last(.contentFetched) {
                put("link_content", subjectID, [
                    "subject_id": id, "http_status": fetched.field("http_status"),
                    "content_type": fetched.field("content_type"), "content_text": fetched.field("text"),
                    "word_count": fetched.field("word_count"), "fetched_at": occurred(fetched),
                ])
            }
            if let enriched = last(.enrichmentCompleted) {
                put("link_metadata", subjectID, [
                    "subject_id": id, "summary": enriched.field("summary"), "tags": enriched.field("tags"),
                    "language": enriched.field("language"), "model": enriched.field("model"),
                    "enriched_at": occurred(enriched),
                ])
            }
            if let publishStatus = latest([.enrichmentCompleted, .publishCompleted]) {
                let published = last(.publishCompleted)
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
            // One row per instant; later in event order overwrites, so at one instant the
            // larger event_id wins.
            for reading in events where reading.type == .tempReadingRecorded {
                put("temperature_readings", OracleState.readingKey(subjectID: subjectID, occurredAtMicros: reading.occurredAt), [
                    "subject_id": id, "occurred_at": occurred(reading), "celsius": reading.field("celsius"),
                    "humidity": reading.field("humidity"), "event_id": .text(reading.eventID),
                ])
            }
            let latestReading = last(.tempReadingRecorded)!
            put("temperature_latest", subjectID, [
                "subject_id": id, "celsius": latestReading.field("celsius"), "humidity": latestReading.field("humidity"),
                "occurred_at": occurred(latestReading), "event_id": .text(latestReading.eventID),
            ])
        case "todo":
            let created = last(.todoCreated)!
            put("todos", subjectID, [
                "subject_id": id, "title": created.field("title"), "notes": created.field("notes"),
                "due_at": created.field("due_at"), "created_at": occurred(created),
                "status": .text(latest([.todoCreated, .todoCompleted])!.type == .todoCompleted ? "done" : "open"),
                "completed_at": occurred(last(.todoCompleted)),
                "updated_at": maxOccurred([.todoCreated, .todoCompleted]),
            ])
        case "annotation":
            let annotation = last(.annotationAdded)!
            put("annotations", subjectID, [
                "subject_id": id, "link_id": annotation.field("link_id"), "quote": annotation.field("quote"),
                "note": annotation.field("note"), "created_at": occurred(annotation),
            ])
        default:
            break
        }
    }
}
