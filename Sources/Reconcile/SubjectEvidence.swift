/// What the event log says about one subject: the facts the causes are decided on, with one
/// example of each anomaly so a report can name the events.
struct SubjectEvidence: Sendable, Equatable {
    /// One record as it arrived.
    struct Arrival: Sendable, Equatable {
        var eventID: String
        var eventType: String
        var partition: Int
        var offset: Int64

        var position: String { "\(partition):\(offset)" }
        var described: String { "\(eventType) \(eventID) (partition:offset \(position))" }
    }

    /// Events in the log (first arrivals).
    var events = 0
    /// Of those, creating events (link.added, todo.created, temp.reading_recorded, annotation.added).
    var creatingEvents = 0
    /// The first non-creating event that arrived before the first creating event, and that one.
    var partialBeforeCreate: (partial: Arrival, creating: Arrival)?
    /// Later records of an event with a payload different from the logged one.
    var differentDuplicates = 0
    var differentDuplicate: Arrival?
    /// Arrivals (first records and duplicates) that came after an event later in event order.
    var lateArrivals = 0
    /// The first such arrival, and the later event that had arrived just before it.
    var lateArrival: (late: Arrival, after: Arrival)?

    static func == (lhs: SubjectEvidence, rhs: SubjectEvidence) -> Bool {
        lhs.events == rhs.events && lhs.creatingEvents == rhs.creatingEvents
            && lhs.partialBeforeCreate?.partial == rhs.partialBeforeCreate?.partial
            && lhs.partialBeforeCreate?.creating == rhs.partialBeforeCreate?.creating
            && lhs.differentDuplicates == rhs.differentDuplicates && lhs.differentDuplicate == rhs.differentDuplicate
            && lhs.lateArrivals == rhs.lateArrivals
            && lhs.lateArrival?.late == rhs.lateArrival?.late && lhs.lateArrival?.after == rhs.lateArrival?.after
    }
}
