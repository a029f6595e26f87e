import Foundation
import Lifestream
import Postgres

/// The tool's event log in its state schema, read for evidence about differing subjects.
///
/// `events` holds the first-arrived record of each (subject_id, event_id) with its partition
/// and offset; `duplicates` the later records of a logged event and whether their payload was
/// the same. Arrival order is (partition, offset). Everything is computed set-based per chunk
/// of subjects; only one row per subject comes back.
struct EventLog {
    let connection: PostgresConnection
    let schema: String
    /// Subjects per query: large enough to amortise the round trip, small enough for the planner.
    var chunkSize = 5_000

    /// Nil when the log can be read; otherwise why not, in words (a missing log is not an error).
    static func unavailableReason(schema: String, on connection: PostgresConnection) throws -> String? {
        let result = try connection.query("""
            SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1),
                   to_regclass(format('%I.%I', $1::text, 'events')) IS NOT NULL,
                   to_regclass(format('%I.%I', $1::text, 'duplicates')) IS NOT NULL
            """, [.text(schema)])
        let database = connection.configuration.redactedURL
        if result[0, 0] != "t" { return "state schema \"\(schema)\" does not exist in \(database)" }
        if result[0, 1] != "t" || result[0, 2] != "t" {
            return "state schema \"\(schema)\" in \(database) has no events and duplicates tables"
        }
        return nil
    }

    /// Evidence for every subject in `subjects` that the log knows; absent ones have no events.
    func evidence(for subjects: [SubjectKey]) throws -> [SubjectKey: SubjectEvidence] {
        var found: [SubjectKey: SubjectEvidence] = [:]
        let creating = EventType.allCases.filter(\.isCreating).map(\.rawValue)
        let creatingJSON = try Self.jsonArray(creating)
        var start = 0
        while start < subjects.count {
            let chunk = subjects[start..<min(start + chunkSize, subjects.count)]
            start += chunkSize
            let result = try connection.query(statement, [.text(try Self.jsonArray(chunk.map(\.text))), .text(creatingJSON)])
            for row in result {
                let evidence = Self.evidence(from: row)
                if evidence.events > 0 { found[SubjectKey(row[0] ?? "")] = evidence }
            }
        }
        return found
    }

    private static func jsonArray(_ strings: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(strings), as: UTF8.self)
    }

    private static func evidence(from row: PostgresRow) -> SubjectEvidence {
        func int(_ column: Int) -> Int { Int(row[column] ?? "") ?? 0 }
        func arrival(_ column: Int) -> SubjectEvidence.Arrival? {
            guard let eventID = row[column] else { return nil }
            return .init(eventID: eventID, eventType: row[column + 1] ?? "", partition: int(column + 2),
                         offset: Int64(row[column + 3] ?? "") ?? 0)
        }
        var evidence = SubjectEvidence()
        evidence.events = int(1)
        evidence.creatingEvents = int(2)
        if let partial = arrival(3), let creating = arrival(7) { evidence.partialBeforeCreate = (partial, creating) }
        evidence.differentDuplicates = int(11)
        evidence.differentDuplicate = arrival(12)
        evidence.lateArrivals = int(16)
        if let late = arrival(17), let after = arrival(21) { evidence.lateArrival = (late, after) }
        return evidence
    }

    /// $1: the subjects (jsonb array), $2: the creating event types (jsonb array).
    private var statement: String {
        let events = SQLName.qualified(schema, "events")
        let duplicates = SQLName.qualified(schema, "duplicates")
        return """
            WITH wanted AS (
                SELECT DISTINCT value AS subject_id FROM jsonb_array_elements_text($1::jsonb)
            ), ev AS (
                SELECT e.subject_id, e.event_id, e.event_type, e.occurred_at, e.partition, e."offset",
                       e.event_type IN (SELECT jsonb_array_elements_text($2::jsonb)) AS creating
                FROM \(events) e JOIN wanted USING (subject_id)
            ), tallies AS (
                SELECT subject_id, count(*) AS events, count(*) FILTER (WHERE creating) AS creating_events
                FROM ev GROUP BY subject_id
            ), first_create AS (
                SELECT DISTINCT ON (subject_id) subject_id, event_id, event_type, partition, "offset"
                FROM ev WHERE creating ORDER BY subject_id, partition, "offset"
            ), partial AS (
                SELECT DISTINCT ON (ev.subject_id) ev.subject_id, ev.event_id, ev.event_type, ev.partition, ev."offset",
                       fc.event_id AS c_id, fc.event_type AS c_type, fc.partition AS c_partition, fc."offset" AS c_offset
                FROM ev JOIN first_create fc USING (subject_id)
                WHERE NOT ev.creating AND (ev.partition, ev."offset") < (fc.partition, fc."offset")
                ORDER BY ev.subject_id, ev.partition, ev."offset"
            ), dups AS (
                SELECT d.subject_id, d.event_id, ev.event_type, ev.occurred_at, d.partition, d."offset", d.same_payload
                FROM \(duplicates) d JOIN ev USING (subject_id, event_id)
            ), different AS (
                SELECT DISTINCT ON (subject_id) subject_id, count(*) OVER (PARTITION BY subject_id) AS different,
                       event_id, event_type, partition, "offset"
                FROM dups WHERE NOT same_payload ORDER BY subject_id, partition, "offset"
            ), arrivals AS (
                SELECT subject_id, event_id, event_type, occurred_at, partition, "offset" FROM ev
                UNION ALL
                SELECT subject_id, event_id, event_type, occurred_at, partition, "offset" FROM dups
            ), sequenced AS (
                SELECT a.*, lag(event_id) OVER w AS p_id, lag(event_type) OVER w AS p_type, lag(occurred_at) OVER w AS p_at,
                       lag(partition) OVER w AS p_partition, lag("offset") OVER w AS p_offset
                FROM arrivals a WINDOW w AS (PARTITION BY subject_id ORDER BY partition, "offset")
            ), late AS (
                SELECT DISTINCT ON (subject_id) subject_id, count(*) OVER (PARTITION BY subject_id) AS late,
                       event_id, event_type, partition, "offset", p_id, p_type, p_partition, p_offset
                FROM sequenced
                WHERE occurred_at < p_at OR (occurred_at = p_at AND event_id COLLATE "C" < p_id COLLATE "C")
                ORDER BY subject_id, partition, "offset"
            )
            SELECT w.subject_id, coalesce(t.events, 0), coalesce(t.creating_events, 0),
                   p.event_id, p.event_type, p.partition, p."offset", p.c_id, p.c_type, p.c_partition, p.c_offset,
                   coalesce(d.different, 0), d.event_id, d.event_type, d.partition, d."offset",
                   coalesce(l.late, 0), l.event_id, l.event_type, l.partition, l."offset",
                   l.p_id, l.p_type, l.p_partition, l.p_offset
            FROM wanted w
            LEFT JOIN tallies t USING (subject_id)
            LEFT JOIN partial p USING (subject_id)
            LEFT JOIN different d USING (subject_id)
            LEFT JOIN late l USING (subject_id)
            """
    }
}
