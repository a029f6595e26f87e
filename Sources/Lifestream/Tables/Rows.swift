/// One row per table of the contract, as plain values. Column order matches
/// `LifestreamTables`, which is also the order rows are written in COPY.
public struct SubjectRow: Sendable, Equatable {
    public var subjectID: String
    public var subject: SubjectKind
    public var visibility: String
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
}

public struct LinkRow: Sendable, Equatable {
    public var subjectID: String
    public var url: String
    public var title: String?
    public var source: String?
    public var addedAt: Timestamp
    public var status: String
    public var visibility: String
    public var fetchedAt: Timestamp?
    public var enrichedAt: Timestamp?
    public var publishedAt: Timestamp?
    public var updatedAt: Timestamp
}

public struct LinkContentRow: Sendable, Equatable {
    public var subjectID: String
    public var httpStatus: Int64?
    public var contentType: String?
    public var contentText: String?
    public var wordCount: Int64?
    public var fetchedAt: Timestamp
}

public struct LinkMetadataRow: Sendable, Equatable {
    public var subjectID: String
    public var summary: String?
    /// Compact JSON array text for the jsonb column.
    public var tags: String?
    public var language: String?
    public var model: String?
    public var enrichedAt: Timestamp
}

public struct PublishStateRow: Sendable, Equatable {
    public var subjectID: String
    public var status: String
    public var target: String?
    public var publishedURL: String?
    public var publishedAt: Timestamp?
    public var updatedAt: Timestamp
}

public struct TemperatureReadingRow: Sendable, Equatable {
    public var subjectID: String
    public var occurredAt: Timestamp
    public var celsius: Double
    public var humidity: Double?
    public var eventID: String
}

public struct TemperatureLatestRow: Sendable, Equatable {
    public var subjectID: String
    public var celsius: Double
    public var humidity: Double?
    public var occurredAt: Timestamp
    public var eventID: String
}

public struct TodoRow: Sendable, Equatable {
    public var subjectID: String
    public var title: String
    public var notes: String?
    public var dueAt: Timestamp?
    public var createdAt: Timestamp
    public var status: String
    public var completedAt: Timestamp?
    public var updatedAt: Timestamp
}

public struct AnnotationRow: Sendable, Equatable {
    public var subjectID: String
    public var linkID: String
    public var quote: String?
    public var note: String?
    public var createdAt: Timestamp
}

/// Everything one subject contributes to the nine tables.
public struct SubjectRows: Sendable, Equatable {
    public var subject: SubjectRow?
    public var link: LinkRow?
    public var linkContent: LinkContentRow?
    public var linkMetadata: LinkMetadataRow?
    public var publishState: PublishStateRow?
    public var temperatureReadings: [TemperatureReadingRow] = []
    public var temperatureLatest: TemperatureLatestRow?
    public var todo: TodoRow?
    public var annotation: AnnotationRow?
    /// Events that wrote nothing because the subject's creating event has not arrived.
    public var pendingEvents: Int = 0

    public init() {}
}
