/// A valid event, decoded and checked against the contract.
public struct Event: Sendable, Equatable {
    public var eventID: String
    public var type: EventType
    public var occurredAt: Timestamp
    public var subjectID: String
    public var source: String?
    public var payload: Payload

    public init(eventID: String, type: EventType, occurredAt: Timestamp, subjectID: String, source: String?, payload: Payload) {
        self.eventID = eventID
        self.type = type
        self.occurredAt = occurredAt
        self.subjectID = subjectID
        self.source = source
        self.payload = payload
    }

    /// Event order within a subject: (`occurred_at`, `event_id` by UTF-8 bytes).
    public static func eventOrder(_ a: Event, _ b: Event) -> Bool {
        if a.occurredAt != b.occurredAt { return a.occurredAt < b.occurredAt }
        return a.eventID.utf8.lexicographicallyPrecedes(b.eventID.utf8)
    }
}

/// The typed payload of each event type: exactly the fields the tables read.
public enum Payload: Sendable, Equatable {
    case linkAdded(url: String, title: String?)
    case contentFetched(httpStatus: Int64?, contentType: String?, text: String?, wordCount: Int64?)
    /// `tags` is the array as compact JSON text (a jsonb column), nil when absent.
    case enrichmentCompleted(summary: String?, tags: String?, language: String?, model: String?)
    case publishCompleted(target: String?, url: String?)
    case linkVisibilityChanged(visibility: String)
    case tempReadingRecorded(celsius: Double, humidity: Double?)
    case todoCreated(title: String, notes: String?, dueAt: Timestamp?)
    case todoCompleted
    case annotationAdded(linkID: String, quote: String?, note: String?)
}
