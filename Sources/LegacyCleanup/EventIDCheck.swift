import Foundation
import Postgres

/// What the event log says about the ids in `event_ingest_dedupe`.
public struct EventIDCounts: Sendable, Equatable {
    public var total: Int64 = 0
    public var known: Int64 = 0
    public var unknown: Int64 { total - known }
    /// Up to `sampleLimit` unknown ids, smallest first.
    public var unknownSamples: [String] = []
    /// When the old materializer processed the first and last unknown id (RFC 3339, UTC).
    public var unknownProcessedFrom: String?
    public var unknownProcessedTo: String?
    public var logExists = false
    /// Events in the event log and the earliest record timestamp among them: ids processed
    /// before that are likely beyond Kafka's retention.
    public var logEvents: Int64 = 0
    public var logEarliestRecord: String?
}

/// Check 2: every id the old materializer deduplicated is known to the tool's event log; ids
/// it does not know (they may predate retention) are counted, shown, and held to a threshold.
enum EventIDCheck {
    static let number = 2
    static let name = "event_ids"
    static let sampleLimit = 10

    static func read(dedupe table: String, eventLog: String?, on connection: PostgresConnection) throws -> EventIDCounts {
        var counts = EventIDCounts()
        let utc = "to_char(%@ AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        guard let eventLog else {
            let row = try connection.query("""
                SELECT count(*), \(utc.replacingOccurrences(of: "%@", with: "min(processed_at)")),
                       \(utc.replacingOccurrences(of: "%@", with: "max(processed_at)")) FROM \(table)
                """)
            counts.total = Int64(row[0, 0] ?? "0") ?? 0
            counts.unknownProcessedFrom = row[0, 1]
            counts.unknownProcessedTo = row[0, 2]
            counts.unknownSamples = try connection.query(
                "SELECT event_id FROM \(table) ORDER BY event_id COLLATE \"C\" LIMIT \(sampleLimit)").compactMap { $0[0] }
            return counts
        }
        counts.logExists = true
        // Hash joins over the distinct ids: event_id alone is not indexed in the log.
        let row = try connection.query("""
            WITH known AS (SELECT DISTINCT event_id FROM \(eventLog)),
                 marked AS (SELECT d.event_id, d.processed_at, k.event_id IS NOT NULL AS known
                            FROM \(table) d LEFT JOIN known k ON k.event_id = d.event_id)
            SELECT count(*), count(*) FILTER (WHERE known),
                   \(utc.replacingOccurrences(of: "%@", with: "min(processed_at) FILTER (WHERE NOT known)")),
                   \(utc.replacingOccurrences(of: "%@", with: "max(processed_at) FILTER (WHERE NOT known)"))
            FROM marked
            """)
        counts.total = Int64(row[0, 0] ?? "0") ?? 0
        counts.known = Int64(row[0, 1] ?? "0") ?? 0
        counts.unknownProcessedFrom = row[0, 2]
        counts.unknownProcessedTo = row[0, 3]
        counts.unknownSamples = try connection.query("""
            SELECT d.event_id FROM \(table) d
            WHERE NOT EXISTS (SELECT 1 FROM \(eventLog) e WHERE e.event_id = d.event_id)
            ORDER BY d.event_id COLLATE "C" LIMIT \(sampleLimit)
            """).compactMap { $0[0] }
        let log = try connection.query("SELECT count(*), \(utc.replacingOccurrences(of: "%@", with: "min(record_timestamp)")) FROM \(eventLog)")
        counts.logEvents = Int64(log[0, 0] ?? "0") ?? 0
        counts.logEarliestRecord = log[0, 1]
        return counts
    }

    /// Pure: the verdict from the counts and the threshold.
    static func evaluate(_ counts: EventIDCounts?, threshold: UnknownThreshold, eventLog: String) -> CleanupCheck {
        guard let counts else {
            return CleanupCheck(number: number, name: name, status: .pass,
                                summary: "event_ingest_dedupe is already gone: there are no ids to account for")
        }
        let fraction = counts.total == 0 ? 0 : Double(counts.unknown) / Double(counts.total)
        var evidence: [String: Fact] = [
            "event_log": .text(eventLog),
            "event_log_exists": .bool(counts.logExists),
            "event_log_events": .int(counts.logEvents),
            "ids": .int(counts.total),
            "known": .int(counts.known),
            "unknown": .int(counts.unknown),
            "unknown_fraction": .double(fraction),
            "threshold": .text(threshold.description),
            "unknown_samples": .list(counts.unknownSamples),
        ]
        if let from = counts.unknownProcessedFrom { evidence["unknown_processed_from"] = .text(from) }
        if let to = counts.unknownProcessedTo { evidence["unknown_processed_to"] = .text(to) }
        if let earliest = counts.logEarliestRecord { evidence["event_log_earliest_record"] = .text(earliest) }
        var details: [String] = []
        if !counts.logExists { details.append("the event log \(eventLog) does not exist: run `backfill run` first, or pass --state-schema") }
        if counts.unknown > 0 {
            let shown = counts.unknownSamples.map { "\"\($0)\"" }.joined(separator: ", ")
            details.append("unknown ids\(counts.unknown > Int64(counts.unknownSamples.count) ? " (first \(counts.unknownSamples.count))" : ""): \(shown)")
            if let from = counts.unknownProcessedFrom, let to = counts.unknownProcessedTo {
                details.append("the old materializer processed them between \(from) and \(to)"
                               + (counts.logEarliestRecord.map { "; the event log's earliest record is from \($0)" } ?? ""))
            }
        }
        let numbers = "\(counts.known) of \(counts.total) ids are in the event log, \(counts.unknown) unknown (\(UnknownThreshold.percent(fraction)))"
        let allowed = threshold.allows(unknown: counts.unknown, of: counts.total)
        return CleanupCheck(number: number, name: name, status: allowed ? .pass : .fail,
                            summary: numbers + (allowed ? ", within the threshold of \(threshold)" : ", over the threshold of \(threshold)"),
                            evidence: evidence, details: details)
    }
}
