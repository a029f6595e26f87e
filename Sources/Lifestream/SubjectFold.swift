/// The contract's canonical state for one subject: a pure function of its set of events.
///
/// Events are applied in event order, each assignment overwriting the previous one, which
/// is exactly "latest in event order wins"; min/max columns are tracked alongside. Because
/// the events are sorted first, arrival order, batching and run boundaries cannot matter.
public enum SubjectFold {
    public static func fold(_ events: [Event]) -> SubjectRows {
        fold(sorted: events.sorted(by: Event.eventOrder))
    }

    /// `events` must already be in event order and free of duplicates.
    public static func fold(sorted events: [Event]) -> SubjectRows {
        var rows = SubjectRows()
        guard let subjectID = events.first?.subjectID else { return rows }
        guard events.contains(where: { $0.type.isCreating }) else {
            rows.pendingEvents = events.count
            return rows
        }

        var kind: SubjectKind?
        var visibility: String?
        var subjectsMin: Timestamp?, subjectsMax: Timestamp?
        var linkAdded: (url: String, title: String?, source: String?, at: Timestamp)?
        var linkStatus: String?
        var fetchedAt: Timestamp?, enrichedAt: Timestamp?, publishedAt: Timestamp?
        var linkUpdated: Timestamp?
        var publishStatus: String?, publishUpdated: Timestamp?
        var publish: (target: String?, url: String?, at: Timestamp)?
        var readings: [Timestamp: TemperatureReadingRow] = [:]
        var readingOrder: [Timestamp] = []
        var todoCreated: (title: String, notes: String?, dueAt: Timestamp?, at: Timestamp)?
        var todoStatus: String?, todoCompleted: Timestamp?, todoUpdated: Timestamp?

        for event in events {
            let at = event.occurredAt
            if event.type.writesSubjects {
                subjectsMin = min(subjectsMin ?? at, at)
                subjectsMax = max(subjectsMax ?? at, at)
            }
            if event.type.isCreating { kind = event.type.kind }
            switch event.payload {
            case let .linkAdded(url, title):
                linkAdded = (url, title, event.source, at)
                linkStatus = "added"
                linkUpdated = at
            case let .contentFetched(httpStatus, contentType, text, wordCount):
                rows.linkContent = LinkContentRow(subjectID: subjectID, httpStatus: httpStatus, contentType: contentType,
                                                  contentText: text, wordCount: wordCount, fetchedAt: at)
                linkStatus = "fetched"
                fetchedAt = at
                linkUpdated = at
            case let .enrichmentCompleted(summary, tags, language, model):
                rows.linkMetadata = LinkMetadataRow(subjectID: subjectID, summary: summary, tags: tags,
                                                    language: language, model: model, enrichedAt: at)
                linkStatus = "enriched"
                enrichedAt = at
                linkUpdated = at
                publishStatus = "pending"
                publishUpdated = at
            case let .publishCompleted(target, url):
                linkStatus = "published"
                publishedAt = at
                linkUpdated = at
                publishStatus = "published"
                publishUpdated = at
                publish = (target, url, at)
            case let .linkVisibilityChanged(newVisibility):
                visibility = newVisibility
                linkUpdated = at
            case let .tempReadingRecorded(celsius, humidity):
                let row = TemperatureReadingRow(subjectID: subjectID, occurredAt: at, celsius: celsius,
                                                humidity: humidity, eventID: event.eventID)
                if readings.updateValue(row, forKey: at) == nil { readingOrder.append(at) }
                rows.temperatureLatest = TemperatureLatestRow(subjectID: subjectID, celsius: celsius, humidity: humidity,
                                                              occurredAt: at, eventID: event.eventID)
            case let .todoCreated(title, notes, dueAt):
                todoCreated = (title, notes, dueAt, at)
                todoStatus = "open"
                todoUpdated = at
            case .todoCompleted:
                todoStatus = "done"
                todoCompleted = at
                todoUpdated = at
            case let .annotationAdded(linkID, quote, note):
                rows.annotation = AnnotationRow(subjectID: subjectID, linkID: linkID, quote: quote, note: note, createdAt: at)
            }
        }

        let effectiveVisibility = visibility ?? "private"
        if let kind, let created = subjectsMin, let updated = subjectsMax {
            rows.subject = SubjectRow(subjectID: subjectID, subject: kind, visibility: effectiveVisibility,
                                      createdAt: created, updatedAt: updated)
        }
        if let added = linkAdded, let status = linkStatus, let updated = linkUpdated {
            rows.link = LinkRow(subjectID: subjectID, url: added.url, title: added.title, source: added.source,
                                addedAt: added.at, status: status, visibility: effectiveVisibility,
                                fetchedAt: fetchedAt, enrichedAt: enrichedAt, publishedAt: publishedAt, updatedAt: updated)
            if let status = publishStatus, let updated = publishUpdated {
                rows.publishState = PublishStateRow(subjectID: subjectID, status: status, target: publish?.target,
                                                    publishedURL: publish?.url, publishedAt: publish?.at, updatedAt: updated)
            }
        } else {
            // Link projections exist only once link.added is in the set.
            rows.linkContent = nil
            rows.linkMetadata = nil
        }
        rows.temperatureReadings = readingOrder.map { readings[$0]! }
        if let created = todoCreated, let status = todoStatus, let updated = todoUpdated {
            rows.todo = TodoRow(subjectID: subjectID, title: created.title, notes: created.notes, dueAt: created.dueAt,
                                createdAt: created.at, status: status, completedAt: todoCompleted, updatedAt: updated)
        }
        return rows
    }
}
