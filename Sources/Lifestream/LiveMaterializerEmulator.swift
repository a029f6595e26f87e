/// What the live job does, reproduced: each record, in arrival order, becomes one upsert per
/// table it touches, writing only the columns its event carries, with no event-time guard.
/// An upsert that would insert a row missing a NOT NULL column is a constraint violation:
/// the Flink job fails on it and the older Bun materializer skips it; here it is skipped
/// and counted. Demos and diff tests use this to make realistic "live" tables.
public struct LiveMaterializerEmulator {
    /// Column name → text value as PostgreSQL reads it (nil = NULL).
    public typealias Row = [String: String?]

    public private(set) var tables: [String: [String: Row]] = [:]
    public private(set) var appliedStatements = 0
    public private(set) var skippedStatements = 0
    public private(set) var skippedByTable: [String: Int] = [:]
    public private(set) var invalidRecords = 0

    private let definitions = Dictionary(uniqueKeysWithValues: LifestreamTables.all.map { ($0.name, $0) })

    public init() {}

    public mutating func apply(recordValue: [UInt8]) {
        guard case .success(let decoded) = EventDecoder.decode(recordValue) else {
            invalidRecords += 1
            return
        }
        apply(decoded.event)
    }

    public mutating func apply(_ event: Event) {
        let t = event.occurredAt.postgresText
        let id = event.subjectID
        func subjects(_ kind: SubjectKind) {
            upsert("subjects", id, ["subject_id": id, "subject": kind.rawValue, "created_at": t, "updated_at": t],
                   defaults: ["visibility": "private"])
        }
        switch event.payload {
        case let .linkAdded(url, title):
            subjects(.link)
            upsert("links", id, ["subject_id": id, "url": url, "title": title, "source": event.source, "added_at": t,
                                 "status": "added", "updated_at": t], defaults: ["visibility": "private"])
        case let .contentFetched(httpStatus, contentType, text, wordCount):
            upsert("link_content", id, ["subject_id": id, "http_status": httpStatus.map(String.init), "content_type": contentType,
                                        "content_text": text, "word_count": wordCount.map(String.init), "fetched_at": t])
            upsert("links", id, ["subject_id": id, "status": "fetched", "fetched_at": t, "updated_at": t])
        case let .enrichmentCompleted(summary, tags, language, model):
            upsert("link_metadata", id, ["subject_id": id, "summary": summary, "tags": tags, "language": language,
                                         "model": model, "enriched_at": t])
            upsert("links", id, ["subject_id": id, "status": "enriched", "enriched_at": t, "updated_at": t])
            upsert("publish_state", id, ["subject_id": id, "status": "pending", "updated_at": t])
        case let .publishCompleted(target, url):
            upsert("publish_state", id, ["subject_id": id, "status": "published", "target": target, "published_url": url,
                                         "published_at": t, "updated_at": t])
            upsert("links", id, ["subject_id": id, "status": "published", "published_at": t, "updated_at": t])
        case let .linkVisibilityChanged(visibility):
            upsert("links", id, ["subject_id": id, "visibility": visibility, "updated_at": t])
            upsert("subjects", id, ["subject_id": id, "visibility": visibility, "updated_at": t])
        case let .tempReadingRecorded(celsius, humidity):
            subjects(.sensor)
            let h = humidity.map { "\($0)" }
            upsert("temperature_readings", "\(id)|\(event.occurredAt.microseconds)",
                   ["subject_id": id, "occurred_at": t, "celsius": "\(celsius)", "humidity": h, "event_id": event.eventID])
            upsert("temperature_latest", id, ["subject_id": id, "celsius": "\(celsius)", "humidity": h, "occurred_at": t,
                                              "event_id": event.eventID])
        case let .todoCreated(title, notes, dueAt):
            subjects(.todo)
            upsert("todos", id, ["subject_id": id, "title": title, "notes": notes, "due_at": dueAt?.postgresText,
                                 "created_at": t, "status": "open", "updated_at": t])
        case .todoCompleted:
            upsert("todos", id, ["subject_id": id, "status": "done", "completed_at": t, "updated_at": t])
        case let .annotationAdded(linkID, quote, note):
            subjects(.annotation)
            upsert("annotations", id, ["subject_id": id, "link_id": linkID, "quote": quote, "note": note, "created_at": t])
        }
    }

    /// `INSERT … ON CONFLICT DO UPDATE SET <these columns>`; `defaults` are column defaults on insert.
    private mutating func upsert(_ table: String, _ key: String, _ columns: Row, defaults: Row = [:]) {
        if var row = tables[table]?[key] {
            for (name, value) in columns { row[name] = value }
            tables[table]![key] = row
            appliedStatements += 1
            return
        }
        var row = defaults
        for (name, value) in columns { row[name] = value }
        let definition = definitions[table]!
        let violates = definition.columns.contains { !$0.nullable && (row[$0.name] ?? nil) == nil }
        guard !violates else {
            skippedStatements += 1
            skippedByTable[table, default: 0] += 1
            return
        }
        tables[table, default: [:]][key] = row
        appliedStatements += 1
    }
}
