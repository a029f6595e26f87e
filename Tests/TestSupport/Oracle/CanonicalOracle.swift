import Foundation

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
        /// Per subject_id: the event_ids seen and the events that count.
        var subjects: [OracleText: (seen: Set<OracleText>, events: [OracleEvent])] = [:]

        let verdicts = validateAll(records)
        for index in records.indices {
            switch verdicts[index] {
            case .quarantined(let reason):
                quarantined.append((records[index].partition, records[index].offset, reason))
            case .valid(let event):
                valid += 1
                let subject = OracleText(event.subjectID)
                if subjects[subject, default: ([], [])].seen.insert(OracleText(event.eventID)).inserted {
                    subjects[subject]!.events.append(event)
                } else {
                    duplicates += 1
                }
            }
        }

        var state = OracleState()
        var pending = 0
        for (_, subject) in subjects {
            let ordered = subject.events.sorted(by: OracleEvent.inEventOrder)
            guard let creator = ordered.first(where: { $0.type.isCreating }) else {
                pending += ordered.count
                continue
            }
            OracleFold.addRows(subjectID: creator.subjectID, events: ordered, kind: creator.type.kind, to: &state.tables)
        }
        return OracleOutcome(state: state, quarantined: quarantined, duplicates: duplicates, valid: valid, pending: pending)
    }

    /// Validates every record. Validation is a pure function of one record's bytes, so it
    /// runs on all cores in chunks; the results keep the records' order.
    private static func validateAll(_ records: [OracleRecord]) -> [OracleValidator.Outcome] {
        let chunkCount = min(records.count, ProcessInfo.processInfo.activeProcessorCount * 4)
        guard chunkCount > 1 else { return records.map { OracleValidator.validate($0.value) } }
        return [OracleValidator.Outcome](unsafeUninitializedCapacity: records.count) { buffer, count in
            nonisolated(unsafe) let results = buffer
            DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
                let range = (records.count * chunk / chunkCount)..<(records.count * (chunk + 1) / chunkCount)
                for index in range {
                    (results.baseAddress! + index).initialize(to: OracleValidator.validate(records[index].value))
                }
            }
            count = records.count
        }
    }
}
