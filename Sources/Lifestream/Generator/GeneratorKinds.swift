extension EventGenerator {
    /// The four subject kinds of the contract.
    enum Kind: UInt8, Sendable, CaseIterable {
        case link, todo, sensor, annotation

        var name: StaticString {
            switch self {
            case .link: return "link"
            case .todo: return "todo"
            case .sensor: return "sensor"
            case .annotation: return "annotation"
            }
        }

        var creatingType: EventType {
            switch self {
            case .link: return .linkAdded
            case .todo: return .todoCreated
            case .sensor: return .tempReadingRecorded
            case .annotation: return .annotationAdded
            }
        }

        /// Only links and todos have non-creating types, so only they can lack a creator.
        var canLackCreator: Bool { self == .link || self == .todo }
    }

    /// The nine event types of the contract.
    enum EventType: UInt8, Sendable, CaseIterable {
        case linkAdded, contentFetched, enrichmentCompleted, publishCompleted, linkVisibilityChanged
        case tempReadingRecorded, todoCreated, todoCompleted, annotationAdded

        var name: StaticString {
            switch self {
            case .linkAdded: return "link.added"
            case .contentFetched: return "content.fetched"
            case .enrichmentCompleted: return "enrichment.completed"
            case .publishCompleted: return "publish.completed"
            case .linkVisibilityChanged: return "link.visibility_changed"
            case .tempReadingRecorded: return "temp.reading_recorded"
            case .todoCreated: return "todo.created"
            case .todoCompleted: return "todo.completed"
            case .annotationAdded: return "annotation.added"
            }
        }

        var kind: Kind {
            switch self {
            case .linkAdded, .contentFetched, .enrichmentCompleted, .publishCompleted, .linkVisibilityChanged: return .link
            case .tempReadingRecorded: return .sensor
            case .todoCreated, .todoCompleted: return .todo
            case .annotationAdded: return .annotation
            }
        }

        var isCreating: Bool { kind.creatingType == self }

        /// The type of a subject's next event after its first, with realistic frequencies.
        static func following(for kind: Kind, withoutCreator: Bool, _ rng: inout Random) -> EventType {
            switch kind {
            case .link:
                let roll = rng.below(100)
                if roll < 5 && !withoutCreator { return .linkAdded }
                return roll < 40 ? .contentFetched : roll < 65 ? .enrichmentCompleted : roll < 82 ? .publishCompleted : .linkVisibilityChanged
            case .todo:
                return withoutCreator || rng.chance(0.55) ? .todoCompleted : .todoCreated
            case .sensor: return .tempReadingRecorded
            case .annotation: return .annotationAdded
            }
        }
    }
}
