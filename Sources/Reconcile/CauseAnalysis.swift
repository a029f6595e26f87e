import Postgres

/// Explains the differing rows of a diff with the event log: a cause per row (via its
/// subject), counts per table and overall, and the cause and its events for each sample.
enum CauseAnalysis {
    /// Which differing subjects changed outside the event stream (`DiffCause.changedWithoutEvents`):
    /// all but the `excluded` ones — those with records since `point` (described), or that
    /// already differed there for another reason.
    struct WithoutEvents {
        var excluded: Set<SubjectKey>
        var point: String
    }

    /// The explained tables, the summary, and each differing subject with its causes.
    struct Explained {
        var tables: [TableDiff]
        var summary: CauseSummary
        var subjects: [SubjectKey: SubjectDivergence]
    }

    /// Reads the evidence for every differing subject and applies it. When the log is missing,
    /// causes are reported unavailable; a log that exists but cannot be read as expected
    /// (SQLSTATE class 42: a column or table of another shape) is unavailable too, with the
    /// server's reason. Connection failures are errors.
    static func explain(
        _ accumulators: [DiffAccumulator], stateSchema: String, withoutEvents: WithoutEvents? = nil, on connection: PostgresConnection
    ) throws -> Explained {
        if let reason = try EventLog.unavailableReason(schema: stateSchema, on: connection) {
            return unexplained(accumulators, .unavailable(reason, stateSchema: stateSchema))
        }
        var subjects = Set<SubjectKey>()
        for accumulator in accumulators { subjects.formUnion(accumulator.subjects.keys) }
        let evidence: [SubjectKey: SubjectEvidence]
        do {
            evidence = try EventLog(connection: connection, schema: stateSchema).evidence(for: subjects.sorted())
        } catch let error as PostgresError where error.sqlState?.hasPrefix("42") == true {
            let reason = "the event log in state schema \"\(stateSchema)\" could not be read: \(error.message)"
            return unexplained(accumulators, .unavailable(reason, stateSchema: stateSchema))
        }
        return apply(evidence, to: accumulators, stateSchema: stateSchema, withoutEvents: withoutEvents)
    }

    /// The tables and subjects without causes (`summary` says why).
    static func unexplained(_ accumulators: [DiffAccumulator], _ summary: CauseSummary) -> Explained {
        Explained(tables: accumulators.map { $0.tableDiff() }, summary: summary, subjects: SubjectDivergence.collect(accumulators))
    }

    /// The pure part: causes per row from `evidence` (subjects missing from it have no events).
    static func apply(
        _ evidence: [SubjectKey: SubjectEvidence], to accumulators: [DiffAccumulator], stateSchema: String,
        withoutEvents: WithoutEvents? = nil
    ) -> Explained {
        var overallRows: [DiffCause: Int] = [:]
        var overallSubject: [SubjectKey: DiffCause] = [:]
        var tables: [TableDiff] = []
        var divergences = SubjectDivergence.collect(accumulators)
        func quietSince(_ subject: SubjectKey) -> String? {
            guard let withoutEvents, !withoutEvents.excluded.contains(subject) else { return nil }
            return withoutEvents.point
        }
        for accumulator in accumulators {
            var table = accumulator.tableDiff()
            guard accumulator.table.spec.subjectColumn != nil else {
                tables.append(table)
                continue
            }
            var rows: [DiffCause: Int] = [:]
            var subjectCause: [SubjectKey: DiffCause] = [:]
            for (subject, kinds) in accumulator.subjects {
                for kind in DifferenceKind.allCases where kinds.count(kind) > 0 {
                    let rule = kind == .changed && LiveColumnRule.columns[accumulator.table.name] != nil
                        && !accumulator.beyondLiveColumnRule.contains(subject)
                    let cause = CauseClassifier.classify(evidence[subject], kind: kind, liveColumnRule: rule,
                                                         withoutEventsSince: quietSince(subject)).cause
                    rows[cause, default: 0] += kinds.count(kind)
                    divergences[subject]?.tables[accumulator.table.name]?.causes[cause, default: 0] += kinds.count(kind)
                    subjectCause[subject] = min(subjectCause[subject] ?? cause, cause)
                }
            }
            var subjects: [DiffCause: Int] = [:]
            for (subject, cause) in subjectCause {
                subjects[cause, default: 0] += 1
                overallSubject[subject] = min(overallSubject[subject] ?? cause, cause)
            }
            for (cause, count) in rows { overallRows[cause, default: 0] += count }
            table.causes = DiffCause.allCases.map { CauseCount(cause: $0, rows: rows[$0] ?? 0, subjects: subjects[$0] ?? 0) }
            for (index, pending) in accumulator.samples.enumerated() {
                guard let subject = pending.subject else { continue }
                let rule = pending.kind == .changed
                    && accumulator.explainedByLiveColumnRule(pending.differing.indices.filter {
                        pending.differing[$0] && pending.acceptedBy?[$0] == nil
                    })
                let (cause, explanation) = CauseClassifier.classify(evidence[subject], kind: pending.kind, liveColumnRule: rule,
                                                                    withoutEventsSince: quietSince(subject))
                table.samples[index].cause = cause
                table.samples[index].explanation = explanation
            }
            tables.append(table)
        }
        var overallSubjects: [DiffCause: Int] = [:]
        for (subject, cause) in overallSubject {
            overallSubjects[cause, default: 0] += 1
            divergences[subject]?.cause = cause
        }
        let summary = CauseSummary(
            status: .available, stateSchema: stateSchema,
            categories: DiffCause.allCases.map { CauseCount(cause: $0, rows: overallRows[$0] ?? 0, subjects: overallSubjects[$0] ?? 0) })
        return Explained(tables: tables, summary: summary, subjects: divergences)
    }
}
