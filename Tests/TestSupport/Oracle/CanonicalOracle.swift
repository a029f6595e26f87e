import Foundation
import Synchronization

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
///
/// Steps 1 and 2–3 run on all cores (records, then buckets of whole subjects, are
/// independent), so 100k records take well under two seconds even in a debug build.
public enum CanonicalOracle {
    /// Records in arrival order (global order = the order given; duplicates: the earlier one
    /// in this order counts). `parallel: false` keeps all work on the calling thread (to measure it).
    public static func evaluate(_ records: [OracleRecord], parallel: Bool = true) -> OracleOutcome {
        var quarantined: [(partition: Int32, offset: Int64, reason: String)] = []
        var valid = 0
        let bucketCount = ProcessInfo.processInfo.activeProcessorCount * 4
        /// Valid events by bucket of subjects, each in the records' order.
        var buckets = [[OracleEvent]](repeating: [], count: bucketCount)

        let verdicts = validateAll(records, parallel: parallel)
        for index in records.indices {
            switch verdicts[index] {
            case .quarantined(let reason):
                quarantined.append((records[index].partition, records[index].offset, reason))
            case .valid(let event):
                valid += 1
                let bucket = Int(OracleText(event.subjectID).hashValue.magnitude % UInt(bucketCount))
                buckets[bucket].append(event)
            }
        }

        let results = parallel ? parallelMap(buckets) { evaluateSubjects(of: $0) } : buckets.map { evaluateSubjects(of: $0) }
        var state = OracleState()
        var duplicates = 0
        var pending = 0
        for result in results {
            duplicates += result.duplicates
            pending += result.pending
            for (table, rows) in result.tables {
                state.tables[table, default: [:]].merge(rows) { _, new in new }
            }
        }
        return OracleOutcome(state: state, quarantined: quarantined, duplicates: duplicates, valid: valid, pending: pending)
    }

    /// The subject and its kind for a value the contract accepts; nil for one it quarantines.
    /// (A subject_id whose events span two kinds is outside the contract — see `OracleFold` —
    /// so a fuzz test can keep such records out with this.)
    public static func subjectAndKind(of value: [UInt8]) -> (subjectID: String, kind: String)? {
        guard case .valid(let event) = OracleValidator.validate(value) else { return nil }
        return (event.subjectID, event.type.kind)
    }

    /// Steps 2 and 3 for events of whole subjects, given in the records' order.
    private static func evaluateSubjects(of events: [OracleEvent])
        -> (tables: [String: [String: OracleRow]], duplicates: Int, pending: Int) {
        var seen: [OracleText: Set<OracleText>] = [:]
        var counting: [OracleText: [OracleEvent]] = [:]
        var duplicates = 0
        for event in events {
            let subject = OracleText(event.subjectID)
            if seen[subject, default: []].insert(OracleText(event.eventID)).inserted {
                counting[subject, default: []].append(event)
            } else {
                duplicates += 1
            }
        }
        var tables: [String: [String: OracleRow]] = [:]
        var pending = 0
        for (_, subjectEvents) in counting {
            let ordered = subjectEvents.sorted(by: OracleEvent.inEventOrder)
            guard let creator = ordered.first(where: { $0.type.isCreating }) else {
                pending += ordered.count
                continue
            }
            OracleFold.addRows(subjectID: creator.subjectID, events: ordered, kind: creator.type.kind, to: &tables)
        }
        return (tables, duplicates, pending)
    }

    /// Validates every record; the results keep the records' order.
    private static func validateAll(_ records: [OracleRecord], parallel: Bool) -> [OracleValidator.Outcome] {
        let chunkCount = min(records.count, ProcessInfo.processInfo.activeProcessorCount * 4)
        guard parallel, chunkCount > 1 else { return records.map { OracleValidator.validate($0.value) } }
        let chunks = (0..<chunkCount).map { chunk in
            (records.count * chunk / chunkCount)..<(records.count * (chunk + 1) / chunkCount)
        }
        return parallelMap(chunks) { range in records[range].map { OracleValidator.validate($0.value) } }.flatMap { $0 }
    }

    /// `items.map(transform)`, with the items spread over all cores.
    private static func parallelMap<Item: Sendable, Result: Sendable>(
        _ items: [Item], _ transform: @Sendable (Item) -> Result
    ) -> [Result] {
        let results = Mutex<[Result?]>(Array(repeating: nil, count: items.count))
        DispatchQueue.concurrentPerform(iterations: items.count) { index in
            let result = transform(items[index])
            results.withLock { $0[index] = result }
        }
        return results.withLock { $0.map { $0! } }
    }
}
