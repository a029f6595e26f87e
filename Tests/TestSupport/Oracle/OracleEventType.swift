/// The nine event types of the contract, with the facts the fold needs about each.
enum OracleEventType: String, CaseIterable, Sendable {
    case linkAdded = "link.added"
    case contentFetched = "content.fetched"
    case enrichmentCompleted = "enrichment.completed"
    case publishCompleted = "publish.completed"
    case linkVisibilityChanged = "link.visibility_changed"
    case tempReadingRecorded = "temp.reading_recorded"
    case todoCreated = "todo.created"
    case todoCompleted = "todo.completed"
    case annotationAdded = "annotation.added"

    /// The subject kind the type belongs to (the contract's kind table).
    var kind: String {
        switch self {
        case .linkAdded, .contentFetched, .enrichmentCompleted, .publishCompleted, .linkVisibilityChanged: return "link"
        case .tempReadingRecorded: return "sensor"
        case .todoCreated, .todoCompleted: return "todo"
        case .annotationAdded: return "annotation"
        }
    }

    /// True for the type whose presence makes a subject's rows exist.
    var isCreating: Bool {
        switch self {
        case .linkAdded, .tempReadingRecorded, .todoCreated, .annotationAdded: return true
        default: return false
        }
    }

    /// True for the types the contract lists as writing the `subjects` table.
    var writesSubjects: Bool {
        switch self {
        case .linkAdded, .linkVisibilityChanged, .tempReadingRecorded, .todoCreated, .annotationAdded: return true
        default: return false
        }
    }

    /// The payload table of the contract, in its order: name and rule of each field.
    var payloadFields: [(name: String, rule: OracleFieldRule)] { Self.payloadTable[index] }

    /// Position in `allCases`, for tables indexed by type.
    var index: Int {
        switch self {
        case .linkAdded: return 0
        case .contentFetched: return 1
        case .enrichmentCompleted: return 2
        case .publishCompleted: return 3
        case .linkVisibilityChanged: return 4
        case .tempReadingRecorded: return 5
        case .todoCreated: return 6
        case .todoCompleted: return 7
        case .annotationAdded: return 8
        }
    }

    private static let payloadTable = allCases.map { $0.makePayloadFields() }

    /// The types the contract lists as writing `subjects`.
    static let subjectWriters = allCases.filter(\.writesSubjects)

    private func makePayloadFields() -> [(name: String, rule: OracleFieldRule)] {
        switch self {
        case .linkAdded:
            return [("url", .string(required: true, nonEmpty: true)), ("title", .string(required: false, nonEmpty: false))]
        case .contentFetched:
            return [("http_status", .integer(100...599)), ("content_type", .string(required: false, nonEmpty: false)),
                    ("text", .string(required: false, nonEmpty: false)), ("word_count", .integer(0...Int64(Int32.max)))]
        case .enrichmentCompleted:
            return [("summary", .string(required: false, nonEmpty: false)), ("tags", .stringArray),
                    ("language", .string(required: false, nonEmpty: false)), ("model", .string(required: false, nonEmpty: false))]
        case .publishCompleted:
            return [("target", .string(required: false, nonEmpty: false)), ("url", .string(required: false, nonEmpty: false))]
        case .linkVisibilityChanged:
            return [("visibility", .oneOf(["public", "private", "unlisted"]))]
        case .tempReadingRecorded:
            return [("celsius", .number(required: true, -90...70)), ("humidity", .number(required: false, 0...100))]
        case .todoCreated:
            return [("title", .string(required: true, nonEmpty: true)), ("notes", .string(required: false, nonEmpty: false)),
                    ("due_at", .timestamp)]
        case .todoCompleted:
            return []
        case .annotationAdded:
            return [("link_id", .string(required: true, nonEmpty: false)), ("quote", .string(required: false, nonEmpty: false)),
                    ("note", .string(required: false, nonEmpty: false))]
        }
    }
}

/// What one payload field must be. A missing or `null` field is fine unless required.
///
/// `word_count`'s upper bound is `Int32.max` because its column is `integer`; the contract
/// only says ">= 0", so a larger count is read as `bad_value` (never generated).
enum OracleFieldRule: Sendable {
    case string(required: Bool, nonEmpty: Bool)
    case integer(ClosedRange<Int64>)
    case number(required: Bool, ClosedRange<Double>)
    case oneOf(Set<String>)
    case stringArray
    case timestamp

    var isRequired: Bool {
        switch self {
        case .string(let required, _), .number(let required, _): return required
        case .oneOf: return true
        case .integer, .stringArray, .timestamp: return false
        }
    }
}
