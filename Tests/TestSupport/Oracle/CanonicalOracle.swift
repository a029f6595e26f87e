/// An independent statement of the contract: the canonical outcome of a list of records.
///
/// Written straight from `spec/lifestream-events.md` and sharing no code with the tool, so
/// that the two can check each other. It favours clarity over speed. Steps:
/// 1. validate every record (`OracleValidator`, whose doc comment gives the order in which
///    reasons are chosen when several rules break);
/// 2. drop duplicates: of the valid records with one (subject_id, event_id) — compared as
///    UTF-8 bytes — the first in the given order counts;
/// 3. per subject, sort the events in event order and, if a creating event is among them,
///    fold them into rows (`OracleFold`); otherwise count them as pending.
public enum CanonicalOracle {
    /// Records in arrival order (global order = the order given; duplicates: the earlier one
    /// in this order counts).
    public static func evaluate(_ records: [OracleRecord]) -> OracleOutcome {
        var quarantined: [(partition: Int32, offset: Int64, reason: String)] = []
        var valid = 0
        var duplicates = 0
        var seen = Set<[UInt8]>()
        var eventsBySubject: [[UInt8]: [OracleEvent]] = [:]

        for record in records {
            switch OracleValidator.validate(record.value) {
            case .quarantined(let reason):
                quarantined.append((record.partition, record.offset, reason))
            case .valid(let event):
                valid += 1
                // subject_id and event_id joined unambiguously: length-prefixed subject bytes.
                let identity = withUnsafeBytes(of: Int64(event.subjectIDBytes.count).bigEndian, Array.init)
                    + event.subjectIDBytes + event.eventIDBytes
                if seen.insert(identity).inserted {
                    eventsBySubject[event.subjectIDBytes, default: []].append(event)
                } else {
                    duplicates += 1
                }
            }
        }

        var state = OracleState()
        var pending = 0
        for events in eventsBySubject.values {
            let ordered = events.sorted(by: OracleEvent.inEventOrder)
            guard let creator = ordered.first(where: { $0.type.isCreating }) else {
                pending += ordered.count
                continue
            }
            let rows = OracleFold.rows(subjectID: creator.subjectID, events: ordered, kind: creator.type.kind)
            for (table, tableRows) in rows {
                state.tables[table, default: [:]].merge(tableRows) { _, new in new }
            }
        }
        return OracleOutcome(state: state, quarantined: quarantined, duplicates: duplicates, valid: valid, pending: pending)
    }
}
