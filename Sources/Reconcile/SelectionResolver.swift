import Postgres
import Store

/// Turns a `DiffSelection` into the subjects to compare, read from the state schema on the right
/// side's database — and, for a full diff, into the verified point `changed_without_events` is
/// judged against. Runs before the diff's snapshot: the runs' reach is read first, so every record
/// before the checkpoint a verified point records was in the log when the subjects were chosen.
struct ResolvedSelection {
    /// nil: every row.
    var subjects: [String]?
    var scope: DiffScope
    /// How far the right side's runs had read (`RunLedger.reached`), when a state schema was read.
    var reached: Checkpoint?
    /// The verified point an incremental diff started from.
    var startedFrom: VerifiedPoint?
    /// Subjects to name `changed_without_events` should they differ.
    var withoutEvents: CauseAnalysis.WithoutEvents?
}

enum SelectionResolver {
    static func resolve(_ request: DiffRequest, on db: PostgresConnection) throws -> ResolvedSelection {
        switch request.selection {
        case .all:
            return try full(request, on: db)
        case .subjects(let subjects, let label):
            var scope = DiffScope(kind: .incremental)
            let sorted = TouchedSubjects.sortedByBytes(subjects)
            scope.since = label
            scope.subjects = sorted.count
            return ResolvedSelection(subjects: sorted, scope: scope)
        case .touchedSince(let checkpoint, let stateSchema):
            let state = StateSchema(name: stateSchema)
            try requireLog(state, on: db)
            let reached = try RunLedger(state: state).reached(db: db)
            let touched = try TouchedSubjects.since(checkpoint, state: state, db: db)
            var scope = DiffScope(kind: .incremental)
            scope.since = "at or after checkpoint \(checkpoint.source)"
            scope.checkpoint = checkpoint.offsets
            scope.subjects = touched.subjects.count
            scope.touched = touched.subjects.count
            scope.records = touched.records
            scope.unattributedRecords = touched.quarantinedWithoutSubject
            return ResolvedSelection(subjects: touched.subjects, scope: scope, reached: reached)
        case .sinceVerified(let stateSchema):
            return try sinceVerified(request, state: StateSchema(name: stateSchema), on: db)
        }
    }

    /// Every row; and when a verified point of this pair exists, the subjects without records
    /// since it that were equal there (their differences are `changed_without_events`).
    private static func full(_ request: DiffRequest, on db: PostgresConnection) throws -> ResolvedSelection {
        var resolved = ResolvedSelection(subjects: nil, scope: .full)
        guard let stateSchema = request.stateSchema else {
            resolved.scope.withoutEventsNote = "cause analysis was not requested"
            return resolved
        }
        let state = StateSchema(name: stateSchema)
        let points = VerifiedPoints(state: state)
        guard try points.exist(db: db) else {
            resolved.scope.withoutEventsNote = "state schema \(stateSchema) has no verified points (it does not exist, or no backfill of this version has run into it yet)"
            return resolved
        }
        resolved.reached = try RunLedger(state: state).reached(db: db)
        guard let point = try points.latest(request.verifiedPair, db: db) else {
            resolved.scope.withoutEventsNote = "no verified point of \(request.left.schema) against \(request.right.schema) in state schema \(stateSchema) yet (the nightly records one after each diff)"
            return resolved
        }
        resolved.scope.verifiedPoint = point.described
        let gaps = try points.runsReadingBefore(point, db: db)
        guard gaps.isEmpty else {
            resolved.scope.withoutEventsNote = "run\(gaps.count == 1 ? "" : "s") \(gaps.joined(separator: ", ")) read records before the checkpoint of \(point.described), so a subject without records since then may still have new events"
            return resolved
        }
        let touched = try TouchedSubjects.since(point.checkpoint, state: state, db: db)
        resolved.withoutEvents = withoutEvents(since: point, touched: touched, differing: try points.differing(at: point, db: db))
        resolved.scope.withoutEventsAssessed = true
        return resolved
    }

    /// The subjects with records since the pair's last verified point, and those that differed there.
    private static func sinceVerified(_ request: DiffRequest, state: StateSchema, on db: PostgresConnection) throws -> ResolvedSelection {
        try requireLog(state, on: db)
        let points = VerifiedPoints(state: state)
        let pair = request.verifiedPair
        guard try points.exist(db: db), let point = try points.latest(pair, db: db) else {
            throw ReconcileError(code: .incrementalUnavailable,
                                 message: "there is no verified point of \(pair.leftSchema) against \(pair.rightSchema) in state schema \(state.name) to diff from: run a full diff first (backfill nightly --diff full records one), or give --touched-since a run manifest or snapshot")
        }
        let gaps = try points.runsReadingBefore(point, db: db)
        guard gaps.isEmpty else {
            throw ReconcileError(code: .incrementalUnavailable,
                                 message: "run\(gaps.count == 1 ? "" : "s") \(gaps.joined(separator: ", ")) read records before the checkpoint of \(point.described), which an incremental diff since it would not look at: run a full diff")
        }
        let reached = try RunLedger(state: state).reached(db: db)
        let touched = try TouchedSubjects.since(point.checkpoint, state: state, db: db)
        let differing = try points.differing(at: point, db: db)
        let touchedKeys = Set(touched.subjects.map(SubjectKey.init))
        let carried = differing.map { SubjectKey($0.subject) }.filter { !touchedKeys.contains($0) }
        let subjects = TouchedSubjects.sortedByBytes(touched.subjects + carried.map(\.text))
        var scope = DiffScope(kind: .incremental, withoutEventsAssessed: true)
        scope.since = "at or after the checkpoint of \(point.described)"
        scope.checkpoint = point.checkpoint.offsets
        scope.subjects = subjects.count
        scope.touched = touched.subjects.count
        scope.carried = Set(carried).count
        scope.records = touched.records
        scope.unattributedRecords = touched.quarantinedWithoutSubject
        scope.verifiedPoint = point.described
        return ResolvedSelection(subjects: subjects, scope: scope, reached: reached, startedFrom: point,
                                 withoutEvents: withoutEvents(since: point, touched: touched, differing: differing))
    }

    /// A subject changed without events when it had no record since `point` and was equal there,
    /// or differed there for that very reason (its difference is still the same write).
    static func withoutEvents(since point: VerifiedPoint, touched: TouchedSubjects,
                              differing: [(subject: String, cause: String?)]) -> CauseAnalysis.WithoutEvents {
        let touchedKeys = Set(touched.subjects.map(SubjectKey.init))
        var excluded = touchedKeys
        for (subject, cause) in differing where cause != DiffCause.changedWithoutEvents.rawValue { excluded.insert(SubjectKey(subject)) }
        return CauseAnalysis.WithoutEvents(excluded: excluded, point: point.described)
    }

    private static func requireLog(_ state: StateSchema, on db: PostgresConnection) throws {
        if let reason = try EventLog.unavailableReason(schema: state.name, on: db) {
            throw ReconcileError(code: .incrementalUnavailable, message: "an incremental diff reads its subjects from the event log, but \(reason)")
        }
    }
}
