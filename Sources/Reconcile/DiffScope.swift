import Store

/// Which subjects' rows a diff compares: the input half of an incremental diff.
public enum DiffSelection: Sendable, Equatable {
    /// Every row of every table: a full diff.
    case all
    /// Only the rows of these subjects (a live verifier's batch: the subjects it just wrote).
    /// `label` says in the report where they came from.
    case subjects([String], label: String)
    /// The subjects with records at or after `checkpoint` in `stateSchema`'s log
    /// (`TouchedSubjects`): `diff --touched-since MANIFEST|SNAPSHOT`.
    case touchedSince(Checkpoint, stateSchema: String)
    /// The subjects with records since the pair's last verified point in `stateSchema`, plus those
    /// that differed at that point (they are compared again, so the verdict covers every known
    /// difference): `diff --touched-since verified` and the nightly's incremental diff.
    case sinceVerified(stateSchema: String)

    public var isIncremental: Bool { self != .all }
}

/// What a diff covered, as its report states it (the output half). Present in every report this
/// version writes; an older report has none, which means a full diff.
public struct DiffScope: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case full, incremental
    }

    public var kind: Kind
    /// Incremental: where its subjects came from, in words ("records at or after checkpoint
    /// snapshots/manifests/run-….json", "subjects given by the caller").
    public var since: String?
    /// Incremental: the checkpoint its subjects' records are at or after.
    public var checkpoint: [Checkpoint.PartitionOffset]?
    /// Incremental: subjects compared (touched + carried).
    public var subjects: Int?
    /// Incremental: subjects with records at or after the checkpoint.
    public var touched: Int?
    /// Incremental since a verified point: subjects that differed there, compared again.
    public var carried: Int?
    /// Incremental: records at or after the checkpoint (events, duplicates, quarantined).
    public var records: Int64?
    /// Of those, quarantined records naming no subject (only a full diff sees what they did).
    public var unattributedRecords: Int64?
    /// The verified point the diff started from (incremental) or judged `changed_without_events`
    /// against (full), as `VerifiedPoint.described` says it.
    public var verifiedPoint: String?
    /// Whether rows that differ without events since the verified point could be named
    /// `changed_without_events`; `withoutEventsNote` says why not when they could not.
    public var withoutEventsAssessed: Bool
    public var withoutEventsNote: String?

    public init(kind: Kind, withoutEventsAssessed: Bool = false) {
        self.kind = kind
        self.withoutEventsAssessed = withoutEventsAssessed
    }

    public static let full = DiffScope(kind: .full)

    public var isIncremental: Bool { kind == .incremental }

    /// What a report says when nothing differs: all tables, or the rows compared.
    public static func matchPhrase(_ report: DiffReport) -> String {
        guard let scope = report.scope, scope.isIncremental else { return "all \(report.tables.count) tables are identical." }
        return "the rows of the \(scope.subjects ?? 0) subjects compared are identical in all \(report.tables.count) tables."
    }

    /// The terminal's short form: `full` (with how changed_without_events was judged) or
    /// `incremental, 1234 subjects (1200 touched, 34 carried) since …`.
    public var line: String {
        switch kind {
        case .full:
            return "full" + (withoutEventsAssessed ? ", changed_without_events judged against \(verifiedPoint ?? "the verified point")"
                                                    : withoutEventsNote.map { ", changed_without_events not assessed (\($0))" } ?? "")
        case .incremental:
            var parts: [String] = []
            if let touched { parts.append("\(touched) touched") }
            if let carried, carried > 0 { parts.append("\(carried) carried") }
            return "incremental, \(subjects ?? 0) subjects" + (parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))")
                + (since.map { " \($0)" } ?? "")
        }
    }

    /// One sentence for every rendering: which rows were compared, and what was not.
    public var sentence: String {
        var text: String
        switch kind {
        case .full:
            text = "Full diff: every row of every table."
        case .incremental:
            text = "Incremental diff: only the rows of \(subjects ?? 0) subjects"
            var parts: [String] = []
            if let touched { parts.append("\(touched) with records \(since ?? "after the checkpoint")" + (records.map { " (\($0) records)" } ?? "")) }
            if let carried, carried > 0 { parts.append("\(carried) that differed at \(verifiedPoint ?? "the verified point")") }
            if parts.isEmpty, let since { parts.append(since) }
            text += parts.isEmpty ? "." : ": " + parts.joined(separator: ", and ") + "."
            text += " Rows of other subjects were not compared; a full diff compares them and finds writes made outside the event stream."
            if let unattributedRecords, unattributedRecords > 0 {
                text += " \(unattributedRecords) quarantined record\(unattributedRecords == 1 ? "" : "s") after the checkpoint name no subject."
            }
        }
        if kind == .full {
            if withoutEventsAssessed, let verifiedPoint {
                text += " Rows that differ although their subject had no record since \(verifiedPoint) count as changed_without_events."
            } else if let withoutEventsNote {
                text += " changed_without_events was not assessed: \(withoutEventsNote)."
            }
        }
        return text
    }
}
