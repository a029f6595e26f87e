import Foundation

/// The diff as JSON for machines: `DiffReport` with snake_case keys, sorted, pretty-printed.
///
/// Shape of `format_version` 1 (adding fields keeps the version; removing or changing the
/// meaning of one bumps it):
///
/// ```
/// {
///   "format_version": 1,
///   "generated_at": "2025-06-01T12:00:00Z",            // UTC, whole seconds
///   "mode": "same_database" | "cross_database",
///   "left":  { "schema": "lifestream", "database": "postgresql://user:***@host:5432/db" },
///   "right": { "schema": "lifestream_shadow", "database": "…" },   // passwords always masked
///   "max_diff_rows": 0,
///   "verdict": "match" | "within_threshold" | "diverged",
///   "duration_milliseconds": 812,
///   "totals": { "left_rows", "right_rows", "only_left", "only_right", "changed", "differences" },
///   "tables": [ {
///       "name": "links", "primary_key": ["subject_id"],
///       "left_rows": 1000, "right_rows": 998, "only_left": 2, "only_right": 0, "changed": 3,
///       "changed_columns": [ { "column": "status", "rows": 3 }, … every non-key column ],
///       "samples": [ {
///           "kind": "only_left" | "only_right" | "changed",
///           "key": [ { "column": "subject_id", "value": "l-1" } ],
///           "values": [ { "column": "status", "left": "fetched", "right": null, "differs": true }, … ],
///           "cause": "out_of_order",                     // absent when causes are unavailable
///           "explanation": "content.fetched e2 (partition:offset 0:7) arrived after …"
///       } ],
///       "causes": [ { "cause": "changed_without_events", "rows": 0, "subjects": 0 }, … every cause ],
///       "duration_milliseconds": 95
///   } ],
///   "causes": {
///       "status": "available" | "unavailable",
///       "state_schema": "lifestream_shadow_backfill",
///       "reason": "…",                                   // only when unavailable
///       "categories": [ { "cause": "…", "rows": 0, "subjects": 0 }, … every cause, precedence order ]
///   },
///   "scope": {                                           // absent in reports before incremental diffs (full)
///       "kind": "full" | "incremental",
///       "since": "at or after checkpoint …",             // incremental: where its subjects came from
///       "checkpoint": [ { "partition": 0, "end": 12531 } ],
///       "subjects": 10412, "touched": 10398, "carried": 14, "records": 100000, "unattributed_records": 0,
///       "verified_point": "verified point 41 (full diff of …)",
///       "without_events_assessed": true,                 // changed_without_events judged (full diffs)
///       "without_events_note": "…"                       // why not, when not
///   }
/// }
/// ```
///
/// Values are PostgreSQL's text in the diff's session settings; `null` is SQL NULL or, for a
/// row on one side only, the side without it (`kind` says which).
///
/// `format_version` 2 is written only when a rules file judged the diff (`DiffReport.verdictRules`):
/// the same keys with the same raw meaning, plus `verdict_rules` (each rule with its line, rows,
/// accepted rows, reason and example; the everything-else limit; totals raw, accepted and
/// remaining), each table's `ruled` counts, and a sample value's `accepted_by`; `verdict` is
/// decided after the rules and `causes` count the rows still differing after the column rules.
/// The full shape: docs/operations/verdict-rules.md.
public enum JSONReport {
    public static func render(_ report: DiffReport) throws -> String {
        String(decoding: try encoder().encode(report), as: UTF8.self) + "\n"
    }

    /// Reads a report back (a cutover report can include an earlier diff), refusing other
    /// format versions rather than misreading them.
    public static func decode(_ data: Data) throws -> DiffReport {
        struct Version: Decodable { var formatVersion: Int? }
        let version: Int?
        do {
            version = try decoder().decode(Version.self, from: data).formatVersion
        } catch {
            throw ReconcileError(code: .unreadableReport, message: "the diff report is not a JSON object: \(error)")
        }
        guard version == DiffReport.currentFormatVersion || version == DiffReport.rulesFormatVersion else {
            throw ReconcileError(code: .unreadableReport,
                                 message: "the diff report has format_version \(version.map(String.init) ?? "none"), "
                                    + "this tool reads \(DiffReport.currentFormatVersion) and \(DiffReport.rulesFormatVersion)")
        }
        let report: DiffReport
        do {
            report = try decoder().decode(DiffReport.self, from: data)
        } catch {
            throw ReconcileError(code: .unreadableReport, message: "the diff report does not have the expected shape: \(error)")
        }
        guard (report.verdictRules != nil) == (version == DiffReport.rulesFormatVersion) else {
            throw ReconcileError(code: .unreadableReport,
                                 message: "the diff report has format_version \(version ?? 0) but "
                                    + (report.verdictRules == nil ? "no verdict_rules, which that version has" : "verdict_rules, which only version 2 has"))
        }
        return report
    }

    /// The encoder behind `render`, for reports that embed a diff in their own JSON.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
