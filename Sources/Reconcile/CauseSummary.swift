/// Whether the differences could be explained, and how many fall in each category.
public struct CauseSummary: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// The event log was read; `categories` holds the counts.
        case available
        /// No event log to explain with (`reason` says why); not an error.
        case unavailable
    }

    public var status: Status
    /// The schema holding the event log (`events`, `duplicates`).
    public var stateSchema: String?
    /// Why causes are unavailable.
    public var reason: String?
    /// Every cause in precedence order. `subjects` counts each differing subject once, under
    /// the first cause that applies to any of its rows; `rows` adds up the tables.
    public var categories: [CauseCount]

    public init(status: Status, stateSchema: String?, reason: String? = nil, categories: [CauseCount] = []) {
        self.status = status
        self.stateSchema = stateSchema
        self.reason = reason
        self.categories = categories
    }

    public static func unavailable(_ reason: String, stateSchema: String? = nil) -> CauseSummary {
        CauseSummary(status: .unavailable, stateSchema: stateSchema, reason: reason)
    }

    public var isAvailable: Bool { status == .available }

    public func count(_ cause: DiffCause) -> CauseCount? { categories.first { $0.cause == cause } }
}
