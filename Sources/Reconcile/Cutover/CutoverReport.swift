import Foundation

/// The cutover's answer: may the live tables be trusted (and the legacy path retired)?
public enum CutoverVerdict: String, Sendable, Codable {
    /// Every check passed: differences and lag within their thresholds, the live consumer past
    /// the legacy offsets.
    case pass
    /// At least one check failed.
    case diverged

    /// 0 pass, 1 diverged (a report that could not be made exits 2).
    public var exitCode: Int32 { self == .pass ? 0 : 1 }
}

/// The limits the verdict is judged against.
public struct CutoverThresholds: Sendable, Codable, Equatable {
    /// Differing rows over all tables tolerated.
    public var maxDiffRows: Int
    /// Records the live consumer group may still have to read (over all partitions).
    public var maxLag: Int64

    public init(maxDiffRows: Int, maxLag: Int64) {
        self.maxDiffRows = maxDiffRows
        self.maxLag = maxLag
    }
}

/// One named check with its outcome in a sentence.
public struct CutoverCheck: Sendable, Codable, Equatable {
    /// `diff`, `lag` or `legacy_offsets`.
    public var name: String
    public var passed: Bool
    public var detail: String

    public init(name: String, passed: Bool, detail: String) {
        self.name = name
        self.passed = passed
        self.detail = detail
    }
}

/// A legacy table of the live schema: there or not, and how many rows.
public struct LegacyTableState: Sendable, Codable, Equatable {
    public var name: String
    public var exists: Bool
    /// nil when the table does not exist.
    public var rows: Int64?

    public init(name: String, exists: Bool, rows: Int64?) {
        self.name = name
        self.exists = exists
        self.rows = rows
    }
}

/// One row of the legacy `kafka_offsets` (for the report's topic) next to where the live group is.
public struct LegacyOffset: Sendable, Codable, Equatable {
    public var consumerGroup: String
    public var partition: Int32
    /// The next offset the older materializer would have read.
    public var offset: Int64?
    /// The live group's committed offset on that partition; nil when it has none.
    public var liveCommitted: Int64?
    /// Whether the live group has read at least as far; nil when the legacy offset is NULL.
    public var liveCaughtUp: Bool?

    public init(consumerGroup: String, partition: Int32, offset: Int64?, liveCommitted: Int64?) {
        self.consumerGroup = consumerGroup
        self.partition = partition
        self.offset = offset
        self.liveCommitted = liveCommitted
        self.liveCaughtUp = offset.map { legacy in (liveCommitted ?? Int64.min) >= legacy }
    }
}

/// The legacy bookkeeping the older materializer left in the live schema.
public struct LegacyState: Sendable, Codable, Equatable {
    public var schema: String
    public var dedupe: LegacyTableState
    public var offsets: LegacyTableState
    /// The rows of `kafka_offsets` for the report's topic, by group and partition.
    public var offsetRows: [LegacyOffset]
    /// Why the offsets could not be compared, when they could not (a table of another shape).
    public var note: String?

    public init(schema: String, dedupe: LegacyTableState, offsets: LegacyTableState, offsetRows: [LegacyOffset], note: String? = nil) {
        self.schema = schema
        self.dedupe = dedupe
        self.offsets = offsets
        self.offsetRows = offsetRows
        self.note = note
    }
}

/// The run whose tables the right side holds, from its manifest: the exact offsets it covered.
public struct RunReference: Sendable, Codable, Equatable {
    public struct Range: Sendable, Codable, Equatable {
        public var partition: Int32
        public var start: Int64
        public var end: Int64
        public init(partition: Int32, start: Int64, end: Int64) {
            self.partition = partition
            self.start = start
            self.end = end
        }
    }

    public var manifest: String
    public var runID: String
    public var topic: String
    public var targetSchema: String
    public var ranges: [Range]

    /// `runId` so the snake_case strategies give `run_id` both ways.
    enum CodingKeys: String, CodingKey { case manifest, runID = "runId", topic, targetSchema, ranges }

    public init(manifest: String, runID: String, topic: String, targetSchema: String, ranges: [Range]) {
        self.manifest = manifest
        self.runID = runID
        self.topic = topic
        self.targetSchema = targetSchema
        self.ranges = ranges
    }
}

/// How to get the same answer again: the commands (without connection strings: passwords are
/// never written) and the offsets the report is based on.
public struct Reproduction: Sendable, Codable, Equatable {
    public var commands: [String]
    /// The run the right side's tables came from, when its manifest was found.
    public var run: RunReference?
    /// When no run manifest was found, where it was looked for.
    public var note: String?
}

/// `backfill cutover-report`: lag, the table diff with causes, the legacy tables, thresholds
/// and one verdict. Pure data; `CutoverRunner` gathers it, `CutoverRendering` writes it.
///
/// JSON shape, `format_version` 1 (stable: fields are only ever added; removing one or changing
/// its meaning bumps the version). Other tools rely on `verdict` and `generated_at`:
///
/// ```
/// {
///   "format_version": 1,
///   "generated_at": "2026-11-23T17:00:00Z",        // UTC, whole seconds
///   "verdict": "pass" | "diverged",
///   "topic": "events.raw",
///   "live_group": "flink-materializer-v1",
///   "thresholds": { "max_diff_rows": 0, "max_lag": 0 },
///   "checks": [ { "name": "diff" | "lag" | "legacy_offsets", "passed": true, "detail": "…" } ],
///   "lag": { "topic", "generated_at", "ahead", "groups": [ { "group", "has_committed_offsets", "committed_lag",
///            "effective_lag", "partitions_without_commit", "partitions_ahead" } ],
///            "partitions": [ { "partition", "low_watermark", "high_watermark", "ahead",
///                              "groups": [ { "group", "committed", "lag" } ] } ] },
///   "diff": { … the diff report, as `JSONReport` documents it … },
///   "legacy": { "schema", "dedupe": { "name", "exists", "rows" }, "offsets": { … },
///               "offset_rows": [ { "consumer_group", "partition", "offset", "live_committed", "live_caught_up" } ],
///               "note" },
///   "reproduce": { "commands": ["backfill …"], "run": { "manifest", "run_id", "topic", "target_schema",
///                  "ranges": [ { "partition", "start", "end" } ] } | absent, "note" },
///   "duration_milliseconds": 1234
/// }
/// ```
public struct CutoverReport: Sendable, Codable, Equatable {
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    public var generatedAt: Date
    public var verdict: CutoverVerdict
    public var topic: String
    /// The consumer group of the live job (lag threshold and legacy offsets are judged on it).
    public var liveGroup: String
    public var thresholds: CutoverThresholds
    public var checks: [CutoverCheck]
    public var lag: LagReport
    public var diff: DiffReport
    public var legacy: LegacyState
    public var reproduce: Reproduction
    public var durationMilliseconds: Int

    public init(
        generatedAt: Date, topic: String, liveGroup: String, thresholds: CutoverThresholds, lag: LagReport,
        diff: DiffReport, legacy: LegacyState, reproduce: Reproduction, durationMilliseconds: Int
    ) {
        formatVersion = Self.currentFormatVersion
        self.generatedAt = Date(timeIntervalSince1970: generatedAt.timeIntervalSince1970.rounded(.down))
        self.topic = topic
        self.liveGroup = liveGroup
        self.thresholds = thresholds
        self.lag = lag
        self.diff = diff
        self.legacy = legacy
        self.reproduce = reproduce
        self.durationMilliseconds = durationMilliseconds
        checks = Self.checks(thresholds: thresholds, liveGroup: liveGroup, lag: lag, diff: diff, legacy: legacy)
        verdict = checks.allSatisfy(\.passed) ? .pass : .diverged
    }

    /// The pure judgement: one check per concern, each with its reason.
    public static func checks(
        thresholds: CutoverThresholds, liveGroup: String, lag: LagReport, diff: DiffReport, legacy: LegacyState
    ) -> [CutoverCheck] {
        let differences = diff.totals.differences
        let diffCheck: CutoverCheck
        if let rules = diff.verdictRules {
            // Judged after the rules file: what it accepted and what is left, in the check itself.
            diffCheck = CutoverCheck(
                name: "diff", passed: diff.verdict != .diverged,
                detail: differences == 0 ? "all \(diff.tables.count) tables match"
                    : "\(differences) differing rows; " + RulesRendering.sentence(rules)
                        + rules.rules.filter { !$0.passed }.map { "; \($0.id) over its limit (\($0.rows) > \($0.limit ?? 0) rows)" }.joined())
        } else {
            diffCheck = CutoverCheck(
                name: "diff", passed: differences <= thresholds.maxDiffRows,
                detail: differences == 0 ? "all \(diff.tables.count) tables match"
                    : "\(differences) differing rows \(differences <= thresholds.maxDiffRows ? "≤" : ">") --max-diff-rows \(thresholds.maxDiffRows)")
        }

        let lagCheck: CutoverCheck
        if let group = lag.group(liveGroup), group.hasCommittedOffsets {
            let passed = group.effectiveLag <= thresholds.maxLag
            var detail = "\(liveGroup) has \(group.effectiveLag) records to read \(passed ? "≤" : ">") --max-lag \(thresholds.maxLag)"
            if !group.partitionsWithoutCommit.isEmpty {
                detail += " (no committed offset on partition\(group.partitionsWithoutCommit.count == 1 ? "" : "s") "
                    + group.partitionsWithoutCommit.map(String.init).joined(separator: ", ") + ", counted as their whole log)"
            }
            lagCheck = CutoverCheck(name: "lag", passed: passed, detail: detail)
        } else {
            lagCheck = CutoverCheck(name: "lag", passed: false,
                                    detail: "\(liveGroup) has no committed offsets on \(lag.topic): its progress cannot be confirmed")
        }

        let legacyCheck: CutoverCheck
        let compared = legacy.offsetRows.filter { $0.offset != nil }
        if let note = legacy.note {
            legacyCheck = CutoverCheck(name: "legacy_offsets", passed: false, detail: note)
        } else if !legacy.offsets.exists {
            legacyCheck = CutoverCheck(name: "legacy_offsets", passed: true,
                                       detail: "\(legacy.schema).kafka_offsets does not exist: nothing to compare")
        } else if compared.isEmpty {
            legacyCheck = CutoverCheck(name: "legacy_offsets", passed: true,
                                       detail: "\(legacy.schema).kafka_offsets has no offsets for \(lag.topic)")
        } else {
            let behind = compared.filter { $0.liveCaughtUp == false }
            legacyCheck = CutoverCheck(
                name: "legacy_offsets", passed: behind.isEmpty,
                detail: behind.isEmpty
                    ? "\(liveGroup) has read past every legacy offset (\(compared.count) rows of \(legacy.schema).kafka_offsets)"
                    : "\(liveGroup) is behind the legacy offsets on " + behind.map {
                        "partition \($0.partition) (\($0.liveCommitted.map(String.init) ?? "nothing committed") < \($0.offset!) of \($0.consumerGroup))"
                    }.joined(separator: ", "))
        }
        return [diffCheck, lagCheck, legacyCheck]
    }
}
