import Foundation
import Operations
import Postgres
import Reconcile
import Store

/// The nightly's diff step: chooses incremental or full (`DiffPolicy`) from the pair's verified
/// points, runs it, and records the verified point the next night starts from.
struct NightlyDiff {
    /// The request of a full diff of live against shadow; the choice sets its selection.
    let request: DiffRequest
    let policy: DiffPolicy
    let stateSchema: String

    /// What the diff found, which scope it covered and why.
    struct Result {
        var outcome: DiffOutcome
        var decision: DiffPolicy.Decision
        /// The last full diff before this night's.
        var lastFull: Date?
    }

    /// Which diff tonight runs, from the verified points of the pair (read-only).
    func decide(now: Date) throws -> (decision: DiffPolicy.Decision, lastFull: Date?) {
        let connection = try PostgresConnection.connect(request.right.configuration, applicationName: "backfill nightly diff")
        defer { connection.close() }
        let points = VerifiedPoints(state: StateSchema(name: stateSchema))
        guard try points.exist(db: connection) else {
            return (policy.decide(.init(lastVerified: nil, lastFull: nil), now: now), nil)
        }
        let pair = request.verifiedPair
        let last = try points.latest(pair, db: connection)
        let lastFull = try points.latest(pair, scope: .full, db: connection)
        let gaps = try last.map { try points.runsReadingBefore($0, db: connection) } ?? []
        let history = DiffPolicy.History(lastVerified: last?.verifiedAt, lastFull: lastFull?.verifiedAt, runsBeforeCheckpoint: gaps)
        return (policy.decide(history, now: now), lastFull?.verifiedAt)
    }

    func run(now: Date = Date()) throws -> Result {
        let (decision, lastFull) = try decide(now: now)
        var request = self.request
        request.selection = decision.full ? .all : .sinceVerified(stateSchema: stateSchema)
        return Result(outcome: try DiffRunner.outcome(of: request, now: now), decision: decision, lastFull: lastFull)
    }

    /// Records the diff as the pair's newest verified point; nil when the shadow's reach was not
    /// known (nothing to record).
    func record(_ result: Result, toolVersion: String) throws -> VerifiedPoint? {
        guard let entry = result.outcome.verifiedEntry else { return nil }
        let connection = try PostgresConnection.connect(request.right.configuration, applicationName: "backfill nightly diff")
        defer { connection.close() }
        return try VerifiedPoints(state: StateSchema(name: stateSchema)).record(entry, toolVersion: toolVersion, db: connection)
    }
}

extension NightlySummary.Diff {
    /// The summary's diff from a night's result: verdict, per-table and per-cause counts, scope.
    init(_ result: NightlyDiff.Result) {
        let report = result.outcome.report
        self.init(verdict: report.verdict.rawValue, differences: report.totals.differences,
                  tables: Dictionary(uniqueKeysWithValues: report.tables.map { ($0.name, $0.differences) }), reports: [])
        if let outcome = report.verdictRules {
            rules = .init(file: outcome.file, accepted: outcome.accepted, remaining: outcome.totals.remaining,
                          limit: outcome.everythingElse.limit, failures: outcome.failures)
        }
        let scope = report.scope ?? .full
        self.scope = scope.kind.rawValue
        scopeReason = result.decision.reason
        subjects = scope.subjects
        if report.causes.isAvailable {
            causes = Dictionary(uniqueKeysWithValues: report.causes.categories.map { ($0.cause.rawValue, $0.rows) })
        }
        lastFullAt = scope.isIncremental ? result.lastFull : report.generatedAt
    }
}
