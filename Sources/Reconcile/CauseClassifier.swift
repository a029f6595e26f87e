/// Decides the cause of one differing row from its subject's evidence and how the row
/// differs; pure, so the precedence rules (documented on `DiffCause`) are tested without a
/// database.
enum CauseClassifier {
    /// The cause and its explanation in words. `evidence` is nil when the log has nothing on
    /// the subject.
    /// `liveColumnRule`: the changed row differs only in columns `LiveColumnRule` explains.
    /// `withoutEventsSince`: the verified point (described) since which the subject had no record
    /// and at which it was equal; it then changed without events, whatever its history says.
    static func classify(
        _ evidence: SubjectEvidence?, kind: DifferenceKind, liveColumnRule: Bool = false, withoutEventsSince: String? = nil
    ) -> (cause: DiffCause, explanation: String) {
        if let point = withoutEventsSince {
            return (.changedWithoutEvents, "the subject has no record since \(point), where its rows were equal: "
                        + "a write outside the event stream \(kind == .changed ? "changed the row" : "added or deleted the row on one side")")
        }
        guard let evidence, evidence.events > 0 else {
            return (.missingEvent, "the event log has no event of this subject")
        }
        if let (partial, creating) = evidence.partialBeforeCreate {
            return (.partialBeforeCreate, "\(partial.described) arrived before its creating event \(creating.described)")
        }
        if evidence.differentDuplicates > 0, let duplicate = evidence.differentDuplicate {
            let more = evidence.differentDuplicates > 1 ? " (and \(evidence.differentDuplicates - 1) more)" : ""
            return (.duplicateDifferentPayload,
                    "a later record of \(duplicate.eventType) \(duplicate.eventID) at partition:offset \(duplicate.position) "
                        + "carried a different payload\(more)")
        }
        if let (late, after) = evidence.lateArrival {
            let more = evidence.lateArrivals > 1 ? " (and \(evidence.lateArrivals - 1) more late arrivals)" : ""
            return (.outOfOrder, "\(late.described) arrived after the later \(after.described)\(more)")
        }
        if evidence.creatingEvents == 0 {
            return (.missingEvent, "the log has \(evidence.events) event\(evidence.events == 1 ? "" : "s") of this subject "
                        + "but not its creating event")
        }
        switch kind {
        case .onlyLeft:
            return (.missingEvent, "the row is only on the left although its events arrived in order: "
                        + "the right side has not applied an event")
        case .onlyRight:
            return (.missingEvent, "the row is only on the right although its events arrived in order: "
                        + "the left side has not applied an event")
        case .changed where liveColumnRule:
            return (.liveColumnRule, "its \(evidence.events) events arrived in order; only created_at differs, which the live "
                        + "upsert writes from every event while the contract keeps the earliest")
        case .changed:
            return (.unexplained, "its \(evidence.events) events arrived in order with no differing duplicate")
        }
    }
}
