import Foundation
import Testing
@testable import Reconcile

/// Rules applied over a diff's counts, the JSON shape, and suggestions — no PostgreSQL.
@Suite("Verdict rules over counts")
struct RulesJudgementTests {
    static func rules(_ text: String) throws -> VerdictRules { try VerdictRules.parse(text, path: "rules.toml") }

    /// links: 2 only-left rows (missing_event) and 3 changed rows, 2 of them accepted by an
    /// ignore rule, the third an out_of_order row.
    static func tables(missing: Int = 2) -> [TableDiff] {
        var links = TableDiff(name: "links", primaryKey: ["subject_id"], leftRows: 10, rightRows: 8, onlyLeft: missing, onlyRight: 0,
                              changed: 3, changedColumns: [.init(column: "status", rows: 1), .init(column: "updated_at", rows: 3)])
        links.causes = DiffCause.allCases.map { CauseCount(cause: $0, rows: $0 == .missingEvent ? missing : $0 == .outOfOrder ? 1 : 0, subjects: 1) }
        links.ruled = RuledCounts(acceptedByColumnRules: 2, changed: 1, changedColumns: [.init(column: "status", rows: 1), .init(column: "updated_at", rows: 0)],
                                  acceptedByCauseRules: 0, differences: missing + 1)
        return [links]
    }

    static func causes(_ tables: [TableDiff]) -> CauseSummary {
        CauseSummary(status: .available, stateSchema: "s", categories: DiffCause.allCases.map { cause in
            CauseCount(cause: cause, rows: tables.reduce(0) { $0 + ($1.causes.first { $0.cause == cause }?.rows ?? 0) }, subjects: 1)
        })
    }

    static let ignore = """
        [tables.links.columns.updated_at]
        ignore = true
        reason = "processing time"
        """

    static func judge(_ rules: VerdictRules, _ tables: [TableDiff], maxDiffRows: Int = 0, source: String? = nil) -> (tables: [TableDiff], outcome: RulesOutcome) {
        let column = rules.columns.first.map { RulesJudgement.ColumnResult(rule: $0, rows: 2, example: nil) }
        return RulesJudgement.judge(rules, tables: tables, columnResults: column.map { [$0] } ?? [], causes: causes(tables),
                                    maxDiffRows: maxDiffRows, maxDiffRowsSource: source)
    }

    @Test("a cause limit passes at the limit and fails one row above it")
    func causeLimit() throws {
        let rules = try Self.rules(Self.ignore + """

            [causes.missing_event]
            limit = 2
            reason = "catching up"

            [causes.out_of_order]
            limit = "unlimited"
            reason = "replayed history"
            """)
        let atLimit = Self.judge(rules, Self.tables(missing: 2))
        #expect(atLimit.outcome.verdict == .withinThreshold)
        #expect(atLimit.outcome.totals == .init(differences: 5, acceptedByColumnRules: 2, acceptedByCauseRules: 3, remaining: 0))
        #expect(atLimit.outcome.rules.map(\.accepted) == [2, 2, 1])  // file order
        #expect(atLimit.tables[0].ruled?.acceptedByCauseRules == 3)
        #expect(atLimit.tables[0].ruled?.differences == 0)

        let above = Self.judge(rules, Self.tables(missing: 3))
        #expect(above.outcome.verdict == .diverged)
        let missing = try #require(above.outcome.rules.first { $0.cause == .missingEvent })
        #expect((missing.rows, missing.accepted, missing.passed) == (3, 0, false))
        #expect(above.outcome.totals.remaining == 3)
        #expect(above.outcome.failures.first?.contains("causes.missing_event (line 4): 3 rows > its limit 2") == true)
    }

    @Test("the rest is judged against [other], which an explicit --max-diff-rows overrides, visibly")
    func everythingElse() throws {
        let rules = try Self.rules(Self.ignore + "\n[other]\nlimit = 3\nreason = \"a few may differ\"\n")
        let byFile = Self.judge(rules, Self.tables())
        #expect(byFile.outcome.everythingElse == .init(limit: 3, setBy: "rules file line 4", reason: "a few may differ", rows: 3, passed: true))
        #expect(byFile.outcome.verdict == .withinThreshold)
        let overridden = Self.judge(rules, Self.tables(), maxDiffRows: 2, source: "--max-diff-rows")
        #expect(overridden.outcome.everythingElse.setBy == "--max-diff-rows, overriding the rules file's 3 on line 4")
        #expect(overridden.outcome.verdict == .diverged)
        let noOther = Self.judge(try Self.rules(Self.ignore), Self.tables(), maxDiffRows: 3)
        #expect(noOther.outcome.everythingElse.limit == 3)
        #expect(noOther.outcome.verdict == .withinThreshold)
    }

    @Test("cause rules without causes accept nothing and say why; rules for tables not compared are noted")
    func notApplied() throws {
        let rules = try Self.rules("[causes.missing_event]\nlimit = 10\nreason = \"x\"\n\n[tables.todos.columns.notes]\nignore = true\nreason = \"y\"\n")
        let outcome = RulesJudgement.judge(rules, tables: Self.tables(), columnResults: [], causes: .unavailable("no event log"),
                                           maxDiffRows: 0, maxDiffRowsSource: nil).outcome
        #expect(outcome.rules.map(\.applied) == [false, false])
        #expect(outcome.notes.count == 2)
        #expect(outcome.totals.remaining == 3)
        #expect(outcome.verdict == .diverged)
    }

    @Test("JSON: without rules format_version 1 and no rule keys; with rules version 2 documents raw and ruled counts and reads back")
    func jsonShape() throws {
        let plain = ReportRenderingTests.report()
        let plainJSON = try JSONReport.render(plain)
        #expect(plainJSON.contains("\"format_version\" : 1"))
        for key in ["verdict_rules", "ruled", "accepted_by", "statistics"] { #expect(!plainJSON.contains(key)) }

        let rules = try Self.rules(Self.ignore + "\n[causes.missing_event]\nlimit = 5\nreason = \"catching up\"\n")
        let (tables, outcome) = Self.judge(rules, Self.tables())
        let ruled = DiffReport(generatedAt: Date(timeIntervalSince1970: 1_750_000_000), mode: .sameDatabase, left: plain.left, right: plain.right,
                               tables: tables, causes: Self.causes(tables), maxDiffRows: 0, durationMilliseconds: 5, rules: outcome)
        let json = try JSONReport.render(ruled)
        for key in ["\"format_version\" : 2", "\"verdict_rules\"", "\"accepted_by_column_rules\" : 2", "\"remaining\" : 1",
                    "\"ruled\"", "\"reason\" : \"processing time\"", "\"set_by\"", "\"sha256\"", "\"verdict\" : \"diverged\""] {
            #expect(json.contains(key), "missing \(key)")
        }
        #expect(try JSONReport.decode(Data(json.utf8)) == ruled)
        let stripped = plainJSON.replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 2")
        #expect(throws: ReconcileError.self) { try JSONReport.decode(Data(stripped.utf8)) }
        let future = json.replacingOccurrences(of: "\"format_version\" : 2", with: "\"format_version\" : 3")
        #expect(throws: ReconcileError.self) { try JSONReport.decode(Data(future.utf8)) }

        for text in [MarkdownReport.render(ruled), HTMLReport.render(ruled), TextSummary.render(ruled)] {
            #expect(text.contains("tables.links.columns.updated_at"))
            #expect(text.contains("processing time"))
            #expect(text.contains("catching up"))
        }
    }

    @Test("a suggestion is commented with its numbers and parses back as a valid rules file")
    func suggestion() throws {
        var links = Self.tables()[0]
        links.ruled = nil
        var noise = ColumnStatistics()
        noise.rowsCompared = 4
        noise.largestAbsoluteDifference = 3.5e-15
        noise.largestRelativeDifference = 1.7e-16
        var times = ColumnStatistics()
        times.rowsCompared = 3
        times.rowsEqualToTheMillisecond = 3
        times.rowsEqualToTheSecond = 3
        links.changedColumns = [.init(column: "status", rows: 1), .init(column: "updated_at", rows: 3, statistics: times)]
        let readings = TableDiff(name: "temperature_readings", primaryKey: ["subject_id", "occurred_at"], leftRows: 4, rightRows: 4,
                                 onlyLeft: 0, onlyRight: 0, changed: 4, changedColumns: [.init(column: "celsius", rows: 4, statistics: noise)])
        let report = DiffReport(generatedAt: Date(timeIntervalSince1970: 1_750_000_000), mode: .sameDatabase,
                                left: .init(schema: "lifestream", database: "x"), right: .init(schema: "lifestream_shadow", database: "x"),
                                tables: [links, readings], causes: Self.causes([links]), maxDiffRows: 0, durationMilliseconds: 1)
        let text = RulesSuggestion.render(report, source: "a test")
        let rules = try VerdictRules.parse(text, path: "suggested.toml")
        try rules.validate(against: .lifestream)
        #expect(rules.causes.map(\.id) == ["causes.out_of_order", "causes.missing_event"])
        #expect(rules.causes.map(\.limit) == [1, 2])
        #expect(rules.columnRule(table: "temperature_readings", column: "celsius")?.comparison.phrase == "within 1e-15 relative")
        #expect(rules.columnRule(table: "links", column: "updated_at")?.comparison == .precision(.milliseconds))
        #expect(rules.columnRule(table: "links", column: "status") == nil)
        #expect(text.contains("# [tables.links.columns.status]"))
        #expect(text.contains("largest difference 3.5e-15, relative 1.7e-16"))
        #expect(text.contains("# missing_event: 2 rows in 1 subjects (links 2)"))
    }
}

@Suite("Verdict rules and the same-database query")
struct RulesStatementTests {
    static let table = ResolvedTable(spec: TableSpec(name: "t", primaryKey: ["id"]),
                                     keyColumns: [DiffColumn(name: "id", type: "text")],
                                     valueColumns: [DiffColumn(name: "x", type: "double precision"), DiffColumn(name: "ts", type: "timestamp with time zone")])

    @Test("without ruled columns the statement is exactly the rule-less one; with them only the ruled column's values are added")
    func statement() {
        let plain = SameDatabaseDiff.differingRowsStatement(Self.table, left: "a.t", right: "b.t", subjectValue: nil)
        #expect(plain == "COPY (SELECT CASE WHEN l.\"id\" IS NULL THEN 'R' WHEN r.\"id\" IS NULL THEN 'L' ELSE 'C' END, "
            + "coalesce(l.\"id\", r.\"id\"), l.\"x\" IS DISTINCT FROM r.\"x\", l.\"ts\" IS DISTINCT FROM r.\"ts\" "
            + "FROM a.t l FULL JOIN b.t r ON l.\"id\" = r.\"id\" WHERE l.\"id\" IS NULL OR r.\"id\" IS NULL OR "
            + "l.\"x\" IS DISTINCT FROM r.\"x\" OR l.\"ts\" IS DISTINCT FROM r.\"ts\") TO STDOUT")
        let ruled = SameDatabaseDiff.differingRowsStatement(Self.table, left: "a.t", right: "b.t", subjectValue: nil, values: [0])
        #expect(ruled.contains(", CASE WHEN l.\"x\" IS DISTINCT FROM r.\"x\" THEN l.\"x\" END, CASE WHEN l.\"x\" IS DISTINCT FROM r.\"x\" THEN r.\"x\" END FROM"))
        #expect(ruled.replacingOccurrences(of: ", CASE WHEN l.\"x\" IS DISTINCT FROM r.\"x\" THEN l.\"x\" END, CASE WHEN l.\"x\" IS DISTINCT FROM r.\"x\" THEN r.\"x\" END", with: "") == plain)
    }

    @Test("an ignore rule needs no values; a tolerance does; a table without rules takes the plain path")
    func needsValues() throws {
        let rules = try VerdictRules.parse("""
            [tables.t.columns.x]
            absolute = 1e-9
            reason = "noise"

            [tables.t.columns.ts]
            ignore = true
            reason = "processing time"
            """, path: "rules.toml")
        #expect(TableRules(table: Self.table, rules: rules, statistics: false)?.needsValues == [true, false])
        #expect(TableRules(table: Self.table, rules: try VerdictRules.parse("", path: "empty.toml"), statistics: false) == nil)
        #expect(TableRules(table: Self.table, rules: nil, statistics: true)?.needsValues == [true, true])
    }
}
