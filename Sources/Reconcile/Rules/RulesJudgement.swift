/// Applies a rules file to a finished diff's counts: what each column rule accepted (tallied by
/// the engines), what each cause rule accepts of the cause counts, what remains, and the
/// verdict. Pure: the engines and `CauseAnalysis` did the reading.
enum RulesJudgement {
    /// What one column rule accepted in one compared table.
    struct ColumnResult {
        var rule: VerdictRules.ColumnRule
        var rows: Int
        var example: RuleExample?
    }

    /// `tables` are the diff's tables with `ruled` filled up to the column rules; the cause
    /// rules' share is added here. `maxDiffRowsSource` names where an explicit `--max-diff-rows`
    /// came from (it then overrides the file's `[other]`); nil when it was not given.
    static func judge(
        _ rules: VerdictRules, tables: [TableDiff], columnResults: [ColumnResult], causes: CauseSummary,
        maxDiffRows: Int, maxDiffRowsSource: String?
    ) -> (tables: [TableDiff], outcome: RulesOutcome) {
        var results: [RulesOutcome.RuleResult] = []
        var notes: [String] = []
        var failures: [String] = []
        let compared = Set(tables.map(\.name))

        for rule in rules.columns {
            let found = columnResults.filter { $0.rule.id == rule.id }
            let rows = found.reduce(0) { $0 + $1.rows }
            let applied = compared.contains(rule.table)
            let note = applied ? nil : "table \(rule.table) was not compared"
            if let note { notes.append("\(rule.id) (line \(rule.line)) not applied: \(note)") }
            results.append(RulesOutcome.RuleResult(
                id: rule.id, line: rule.line, kind: rule.comparison.kind, table: rule.table, column: rule.column, cause: nil,
                detail: rule.comparison.phrase, limit: nil, rows: rows, accepted: rows, passed: true, applied: applied,
                reason: rule.reason, note: note, example: found.compactMap(\.example).first))
        }

        var acceptedCauses = Set<DiffCause>()
        for rule in rules.causes {
            guard causes.isAvailable else {
                let note = "causes unavailable (\(causes.reason ?? "no event log")), so its rows could not be told apart"
                notes.append("\(rule.id) (line \(rule.line)) not applied: \(note)")
                results.append(causeResult(rule, rows: 0, passed: true, applied: false, note: note))
                continue
            }
            let rows = causes.count(rule.cause)?.rows ?? 0
            let passed = rule.limit.map { rows <= $0 } ?? true
            if passed {
                acceptedCauses.insert(rule.cause)
            } else {
                failures.append("\(rule.id) (line \(rule.line)): \(rows) rows > its limit \(rule.limit ?? 0), so none of them is accepted")
            }
            results.append(causeResult(rule, rows: rows, passed: passed, applied: true, note: nil))
        }

        var judged = tables
        for index in judged.indices {
            var ruled = judged[index].ruled ?? RuledCounts(
                acceptedByColumnRules: 0, changed: judged[index].changed, changedColumns: judged[index].changedColumns,
                acceptedByCauseRules: 0, differences: judged[index].differences)
            let accepted = judged[index].causes.filter { acceptedCauses.contains($0.cause) }.reduce(0) { $0 + $1.rows }
            ruled.acceptedByCauseRules = accepted
            ruled.differences = judged[index].onlyLeft + judged[index].onlyRight + ruled.changed - accepted
            judged[index].ruled = ruled
        }

        let totals = RulesOutcome.Totals(
            differences: judged.reduce(0) { $0 + $1.differences },
            acceptedByColumnRules: judged.reduce(0) { $0 + ($1.ruled?.acceptedByColumnRules ?? 0) },
            acceptedByCauseRules: judged.reduce(0) { $0 + ($1.ruled?.acceptedByCauseRules ?? 0) },
            remaining: judged.reduce(0) { $0 + ($1.ruled?.differences ?? 0) })

        let limit: Int
        let setBy: String
        switch (rules.everythingElse, maxDiffRowsSource) {
        case (let file?, nil):
            (limit, setBy) = (file.limit, "rules file line \(file.line)")
        case (let file?, let source?):
            (limit, setBy) = (maxDiffRows, "\(source), overriding the rules file's \(file.limit) on line \(file.line)")
        case (nil, let source?):
            (limit, setBy) = (maxDiffRows, source)
        case (nil, nil):
            (limit, setBy) = (maxDiffRows, "--max-diff-rows (default; the rules file has no [other])")
        }
        let rest = RulesOutcome.EverythingElse(limit: limit, setBy: setBy,
                                               reason: maxDiffRowsSource == nil ? rules.everythingElse?.reason : nil,
                                               rows: totals.remaining, passed: totals.remaining <= limit)
        if !rest.passed {
            failures.append("\(totals.remaining) differing rows no rule accepted > \(limit) allowed for everything else (\(setBy))")
        }
        // In file order, so the report reads beside the file.
        results.sort { $0.line < $1.line }
        let outcome = RulesOutcome(file: rules.file, sha256: rules.sha256, rules: results, everythingElse: rest, totals: totals,
                                   failures: failures, notes: notes)
        return (judged, outcome)
    }

    private static func causeResult(_ rule: VerdictRules.CauseRule, rows: Int, passed: Bool, applied: Bool, note: String?) -> RulesOutcome.RuleResult {
        RulesOutcome.RuleResult(
            id: rule.id, line: rule.line, kind: "cause", table: nil, column: nil, cause: rule.cause,
            detail: rule.limit.map { "≤ \($0) rows" } ?? "unlimited", limit: rule.limit, rows: rows,
            accepted: passed && applied ? rows : 0, passed: passed, applied: applied, reason: rule.reason, note: note, example: nil)
    }
}
