import Store

/// A diff's report with what a caller needs beyond it: each differing subject with its rows per
/// table and cause, which subjects were covered, and how far the right side's runs had read —
/// enough to record a verified point (`verifiedEntry`) or to keep running totals
/// (`DivergenceTotals`).
public struct DiffOutcome: Sendable {
    public var report: DiffReport
    /// Every subject still differing after column rules, with its rows per table and cause.
    public var subjects: [SubjectDivergence]
    /// Every subject with a raw difference (before rules), with its cause when it has one: the
    /// list a verified point keeps.
    public var differing: [(subject: String, cause: DiffCause?)]
    /// The subjects an incremental diff compared (sorted by bytes); nil for a full diff.
    public var covered: [String]?
    /// How far the right side's runs had read when the subjects were chosen; nil when no state
    /// schema was read (a diff without causes, a caller's own subjects).
    public var reached: Checkpoint?
    /// The verified point an incremental diff since the last one started from.
    public var startedFrom: VerifiedPoint?
    /// The pair the diff compared, as verified points name it.
    public var pair: VerifiedPair

    /// What `VerifiedPoints.record` stores for this diff; nil when the right side's reach is not
    /// known (there is no checkpoint to record).
    public var verifiedEntry: VerifiedPoints.Entry? {
        guard let reached else { return nil }
        let scope = report.scope ?? .full
        return VerifiedPoints.Entry(
            pair: pair, scope: scope.isIncremental ? .incremental : .full, since: startedFrom,
            sinceCheckpoint: scope.checkpoint.flatMap { try? Checkpoint(source: "", topic: nil, runID: nil, offsets: $0.map { (Int64($0.partition), $0.end) }) },
            checkpoint: reached, verdict: report.verdict.rawValue, subjects: scope.subjects.map(Int64.init),
            differingRows: Int64(report.totals.differences), differing: differing.map { ($0.subject, $0.cause?.rawValue) })
    }
}

/// Running totals of divergence by table and cause, kept per subject so that a subject compared
/// again replaces what was known of it: what a live verifier shows while a cutover converges.
/// Pure; fed with each diff's outcome.
public struct DivergenceTotals: Sendable, Equatable {
    private var bySubject: [SubjectKey: SubjectDivergence] = [:]

    public init() {}

    /// Takes in a diff: a full one replaces everything; an incremental one replaces what was known
    /// of the subjects it covered (those now equal drop out).
    public mutating func apply(_ outcome: DiffOutcome) {
        if let covered = outcome.covered {
            for subject in covered { bySubject[SubjectKey(subject)] = nil }
        } else {
            bySubject = [:]
        }
        for subject in outcome.subjects { bySubject[SubjectKey(subject.subject)] = subject }
    }

    /// Differing subjects known now.
    public var subjects: Int { bySubject.count }
    public func divergence(of subject: String) -> SubjectDivergence? { bySubject[SubjectKey(subject)] }

    /// Differing rows per table (only-left + only-right + changed).
    public var rowsByTable: [String: Int] {
        var rows: [String: Int] = [:]
        for subject in bySubject.values { for (table, counts) in subject.tables { rows[table, default: 0] += counts.differences } }
        return rows
    }

    /// Differing rows per table and cause.
    public var rowsByTableAndCause: [String: [DiffCause: Int]] {
        var rows: [String: [DiffCause: Int]] = [:]
        for subject in bySubject.values {
            for (table, counts) in subject.tables { for (cause, count) in counts.causes { rows[table, default: [:]][cause, default: 0] += count } }
        }
        return rows
    }

    /// Differing rows per cause, over all tables.
    public var rowsByCause: [DiffCause: Int] {
        var rows: [DiffCause: Int] = [:]
        for tables in rowsByTableAndCause.values { for (cause, count) in tables { rows[cause, default: 0] += count } }
        return rows
    }

    /// Differing subjects per cause (each under its first cause, as reports count them).
    public var subjectsByCause: [DiffCause: Int] {
        var subjects: [DiffCause: Int] = [:]
        for subject in bySubject.values { if let cause = subject.cause { subjects[cause, default: 0] += 1 } }
        return subjects
    }

    public var differences: Int { bySubject.values.reduce(0) { $0 + $1.differences } }
}
