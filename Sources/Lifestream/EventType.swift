/// The kind of subject an event belongs to; the `subject` envelope field must name it.
public enum SubjectKind: String, Sendable, CaseIterable, Codable {
    case link, todo, sensor, annotation

    /// The raw value as a static string: compared in place against a record's bytes.
    var staticName: StaticString {
        switch self {
        case .link: "link"
        case .todo: "todo"
        case .sensor: "sensor"
        case .annotation: "annotation"
        }
    }

    /// The event type whose arrival makes the subject's rows exist.
    public var creatingType: EventType {
        switch self {
        case .link: .linkAdded
        case .todo: .todoCreated
        case .sensor: .tempReadingRecorded
        case .annotation: .annotationAdded
        }
    }
}

/// The nine event types of the contract.
public enum EventType: String, Sendable, CaseIterable, Codable {
    case linkAdded = "link.added"
    case contentFetched = "content.fetched"
    case enrichmentCompleted = "enrichment.completed"
    case publishCompleted = "publish.completed"
    case linkVisibilityChanged = "link.visibility_changed"
    case tempReadingRecorded = "temp.reading_recorded"
    case todoCreated = "todo.created"
    case todoCompleted = "todo.completed"
    case annotationAdded = "annotation.added"

    public var kind: SubjectKind {
        switch self {
        case .linkAdded, .contentFetched, .enrichmentCompleted, .publishCompleted, .linkVisibilityChanged: .link
        case .tempReadingRecorded: .sensor
        case .todoCreated, .todoCompleted: .todo
        case .annotationAdded: .annotation
        }
    }

    public var isCreating: Bool { kind.creatingType == self }

    /// The type named by `utf8` (as the event log stores it), found without making a String.
    public init?(utf8: UnsafeRawBufferPointer) {
        for (type, name) in Self.utf8Names where name.count == utf8.count && name.elementsEqual(utf8) {
            self = type
            return
        }
        return nil
    }

    private static let utf8Names: [(EventType, [UInt8])] = allCases.map { ($0, Array($0.rawValue.utf8)) }

    /// Types that write the `subjects` row (and so its created_at/updated_at).
    public var writesSubjects: Bool {
        switch self {
        case .linkAdded, .linkVisibilityChanged, .tempReadingRecorded, .todoCreated, .annotationAdded: true
        default: false
        }
    }
}
