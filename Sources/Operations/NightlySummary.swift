import Display
import Foundation

/// What one nightly run did, step by step: written as JSON (`nightly-latest.json` and a
/// timestamped copy), rendered as Prometheus text, and printed as the one-screen summary.
/// It holds names, counts and durations only, never a connection string or a secret.
public struct NightlySummary: Codable, Sendable, Equatable {
    public var formatVersion = 1
    public var toolVersion: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// 0 all good, 1 diverged, 2 error, 3 locked.
    public var exitCode: Int32 = 0
    public var outcome: String = "ok"
    public var error: String?
    public var topic: String
    public var liveSchema: String
    public var shadowSchema: String
    /// The manifest this night started after (nil on the first night).
    public var startedAfter: String?
    public var runID: String?
    public var steps: [Step] = []
    public var events: Events?
    public var pending: Int64?
    public var rowsWritten: [String: Int64] = [:]
    public var diff: Diff?
    public var snapshot: Snapshot?
    public var pruned: [String] = []
    public var notes: [String] = []

    public struct Step: Codable, Sendable, Equatable {
        public var name: String
        public var seconds: Double
        public var status: String
        public init(name: String, seconds: Double, status: String) {
            self.name = name
            self.seconds = seconds
            self.status = status
        }
    }

    public struct Events: Codable, Sendable, Equatable {
        public var read: Int64
        public var valid: Int64
        public var duplicate: Int64
        public var quarantined: Int64
        public init(read: Int64, valid: Int64, duplicate: Int64, quarantined: Int64) {
            self.read = read
            self.valid = valid
            self.duplicate = duplicate
            self.quarantined = quarantined
        }
    }

    public struct Diff: Codable, Sendable, Equatable {
        public var verdict: String
        public var differences: Int
        /// Differing rows per table (only-left + only-right + changed), every table listed.
        public var tables: [String: Int]
        public var reports: [String]
        /// How the verdict rules judged the diff; absent without a rules file.
        public var rules: Rules?
        /// `full` or `incremental`; absent in summaries of versions before incremental diffs.
        public var scope: String?
        /// Why this scope was chosen (`DiffPolicy.Decision.reason`).
        public var scopeReason: String?
        /// Subjects an incremental diff compared.
        public var subjects: Int?
        /// Differing rows per cause, every cause listed (absent when causes were unavailable).
        public var causes: [String: Int]?
        /// The verified point this night recorded (its id in the state schema).
        public var verifiedPoint: Int64?
        /// When the last full diff of this pair ran (this night's when it ran one).
        public var lastFullAt: Date?

        public init(verdict: String, differences: Int, tables: [String: Int], reports: [String], rules: Rules? = nil) {
            self.verdict = verdict
            self.differences = differences
            self.tables = tables
            self.reports = reports
            self.rules = rules
        }

        enum CodingKeys: String, CodingKey {
            case verdict, differences, tables, reports, rules, scope, scopeReason = "scope_reason", subjects, causes
            case verifiedPoint = "verified_point", lastFullAt = "last_full_at"
        }

        /// The verdict rules' totals: `differences` stays the raw count.
        public struct Rules: Codable, Sendable, Equatable {
            public var file: String
            /// Differing rows a rule accepted.
            public var accepted: Int
            /// Differing rows no rule accepted, judged against `limit`.
            public var remaining: Int
            public var limit: Int
            /// Why the verdict is diverged, one sentence each.
            public var failures: [String]
            public init(file: String, accepted: Int, remaining: Int, limit: Int, failures: [String]) {
                self.file = file
                self.accepted = accepted
                self.remaining = remaining
                self.limit = limit
                self.failures = failures
            }
        }
    }

    public struct Snapshot: Codable, Sendable, Equatable {
        public var path: String
        public var tables: Int
        public var rows: Int64
        public var compressedBytes: Int64
        public init(path: String, tables: Int, rows: Int64, compressedBytes: Int64) {
            self.path = path
            self.tables = tables
            self.rows = rows
            self.compressedBytes = compressedBytes
        }
        enum CodingKeys: String, CodingKey { case path, tables, rows, compressedBytes = "compressed_bytes" }
    }

    public init(toolVersion: String, startedAt: Date, topic: String, liveSchema: String, shadowSchema: String) {
        self.toolVersion = toolVersion
        self.startedAt = startedAt
        self.topic = topic
        self.liveSchema = liveSchema
        self.shadowSchema = shadowSchema
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", toolVersion = "tool_version", startedAt = "started_at", finishedAt = "finished_at"
        case exitCode = "exit_code", outcome, error, topic, liveSchema = "live_schema", shadowSchema = "shadow_schema"
        case startedAfter = "started_after", runID = "run_id", steps, events, pending, rowsWritten = "rows_written"
        case diff, snapshot, pruned, notes
    }

    public var totalSeconds: Double { finishedAt.map { $0.timeIntervalSince(startedAt) } ?? steps.reduce(0) { $0 + $1.seconds } }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self) + Data("\n".utf8)
    }

    public static func decode(_ data: Data) throws -> NightlySummary {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(NightlySummary.self, from: data)
    }

    /// The one-screen text summary.
    public func text() -> String {
        var lines = ["nightly \(outcome.uppercased()) (exit \(exitCode)) in \(String(format: "%.1f", totalSeconds)) s: \(Display.name(topic)) → \(Display.name(shadowSchema)), compared with \(Display.name(liveSchema))"]
        lines.append("  started " + (startedAfter.map { "after \(Display.name($0))" } ?? "from the beginning (first night: no manifest)"))
        for step in steps {
            lines.append("  \(step.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(String(format: "%8.2f", step.seconds)) s  \(step.status)")
        }
        if let events {
            lines.append("  records: \(events.read) read = \(events.valid) valid + \(events.duplicate) duplicate + \(events.quarantined) quarantined"
                         + (pending.map { ", \($0) pending a creating event" } ?? ""))
        }
        let written = rowsWritten.values.reduce(0, +)
        if runID != nil { lines.append("  rows written: \(written)" + (written == 0 ? " (nothing changed)" : "")) }
        if let diff {
            if let scope = diff.scope {
                lines.append("  diff scope: \(scope)" + (diff.subjects.map { ", \($0) subjects" } ?? "")
                             + (diff.scopeReason.map { " (\(Display.line($0)))" } ?? ""))
            }
            var text = "  diff: \(diff.verdict), \(diff.differences) differing rows"
            let differing = diff.tables.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            if !differing.isEmpty { text += " (" + differing.joined(separator: ", ") + ")" }
            lines.append(text)
            if let rules = diff.rules {
                lines.append("  after rules (\(Display.name(rules.file))): \(rules.accepted) accepted, \(rules.remaining) left "
                             + "\(rules.remaining <= rules.limit ? "≤" : ">") \(rules.limit)")
                for failure in rules.failures { lines.append("  fails: \(Display.line(failure))") }
            }
            if let html = diff.reports.first(where: { $0.hasSuffix(".html") }) ?? diff.reports.first { lines.append("  report: \(Display.name(html))") }
        }
        if let snapshot {
            lines.append("  snapshot: \(Display.name(snapshot.path)) (\(snapshot.tables) tables, \(snapshot.rows) rows, \(snapshot.compressedBytes) bytes)")
        }
        if !pruned.isEmpty { lines.append("  pruned: \(pruned.count) old snapshot(s)/report(s)") }
        // Plan notes come per partition; a topic of many partitions must not push the verdict off screen.
        for note in notes.prefix(4) { lines.append("  note: \(Display.line(note))") }
        if notes.count > 4 { lines.append("  note: … and \(notes.count - 4) more in the JSON summary") }
        if let error { lines.append("  error: \(Display.line(error))") }
        return lines.joined(separator: "\n")
    }
}
