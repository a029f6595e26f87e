/// Why a subject's rows differ, as a stable category (the strings are part of the JSON format).
///
/// The categories are derived from the tool's event log: the first-arrived record of each
/// event (`events`), later records of the same event (`duplicates`), and their arrival order
/// (partition, offset). Several can apply to one subject; the first in this order wins, most
/// specific first:
///
/// 0. `changed_without_events`: the subject had no record at or after the last verified point's
///    checkpoint, and at that point its rows were equal on both sides (or already differed for
///    this same reason): someone wrote to a table outside the event stream. Only a diff that
///    covers such subjects finds it — a full diff; an incremental one compares only subjects with
///    records — and only when a verified point exists (`DiffScope.withoutEventsAssessed`).
/// 1. `partial_before_create`: a non-creating event of the subject arrived (lower partition,
///    offset) before its creating event; the live job upserted a partial row, or skipped it.
/// 2. `duplicate_different_payload`: a later record of an event carried a different payload;
///    the live job applied both, the backfill only the first.
/// 3. `out_of_order`: some record (first arrival or duplicate) arrived after a record of an
///    event that is later in event order (`occurred_at`, then `event_id` bytes); the live job
///    has no event-time guard, so the earlier event overwrote the later one.
/// 4. `missing_event`: one side lacks an event. The log has no events for the subject at
///    all, or none that creates it (only pending ones), or the row exists on one side only
///    although its events arrived in order (the other side has not ingested, or quarantined,
///    an event).
/// 5. `live_column_rule`: the row is on both sides, its events arrived in order, and it differs
///    only in a column whose live rule differs from the contract (`LiveColumnRule`:
///    `subjects.created_at`, which the live upsert writes from every event).
/// 6. `unexplained`: the row is on both sides, its events arrived in order without differing
///    duplicates, and still the values differ.
public enum DiffCause: String, Sendable, Codable, CaseIterable, Comparable {
    case changedWithoutEvents = "changed_without_events"
    case partialBeforeCreate = "partial_before_create"
    case duplicateDifferentPayload = "duplicate_different_payload"
    case outOfOrder = "out_of_order"
    case missingEvent = "missing_event"
    case liveColumnRule = "live_column_rule"
    case unexplained

    /// Precedence: lower wins when several apply (`allCases` is in this order).
    public var precedence: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: DiffCause, rhs: DiffCause) -> Bool { lhs.precedence < rhs.precedence }

    /// A short phrase for reports.
    public var summary: String {
        switch self {
        case .changedWithoutEvents: "changed without events since the last verified point: a write outside the event stream"
        case .partialBeforeCreate: "a partial event arrived before its creating event"
        case .duplicateDifferentPayload: "a duplicate record carried a different payload"
        case .outOfOrder: "events arrived out of event order"
        case .missingEvent: "an event is missing on one side (not yet ingested, or quarantined)"
        case .liveColumnRule: "events in order; the live upsert writes created_at from every event, the contract keeps the earliest"
        case .unexplained: "not explained by the event log"
        }
    }
}
