import ArgumentParser
import Foundation
import Operations
import Reconcile

/// `backfill rules`: check a verdict rules file, or suggest a first one from a diff.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check a verdict rules file, or suggest one from a diff.",
        discussion: """
        Verdict rules say which differences between the live and the rebuilt tables are \
        acceptable, and why; diff, cutover-report and nightly decide their verdict after them \
        (--rules FILE or BACKFILL_RULES) and report every rule with the rows it accepted and \
        its reason. The file is TOML; every rule needs a reason:

          version = 1

          [other]                      # differing rows no rule accepts
          limit = 0
          reason = "nothing else may differ"

          [causes.missing_event]       # a cause, accepted up to a limit
          limit = 50                   # or "unlimited"
          reason = "the live job is still catching up"

          [tables.temperature_readings.columns.celsius]
          relative = 1e-12             # and/or absolute = 1e-9
          reason = "float noise from the live job's JSON path"

          [tables.links.columns.updated_at]
          precision = "milliseconds"   # or "seconds"
          reason = "the live job stores milliseconds"

          [tables.subjects.columns.updated_at]
          ignore = true
          reason = "processing time, not event time"

        Causes: changed_without_events, partial_before_create, duplicate_different_payload, \
        out_of_order, missing_event, live_column_rule, unexplained (see backfill diff's reports). A column \
        has one comparison; tolerances need a number column, precisions a timestamp one; key \
        columns cannot be loosened. A changed row is accepted when rules cover all its \
        differences; cause rules accept the rows still differing, none when over their limit.

        Errors name the file and line; exit 2. Reference: docs/operations/verdict-rules.md.

        Examples:
          backfill rules check examples/rules.toml
          backfill rules suggest --report reports/latest.json
        """,
        subcommands: [Check.self, Suggest.self])
}

extension RulesCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parse a rules file and check it against the lifestream tables; print its rules. Exit 0 valid, 2 not.",
            discussion: """
            Example:
              backfill rules check examples/rules.toml
            """)

        @OptionGroup var config: ConfigOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: ArgumentHelp("The rules file. Default: $BACKFILL_RULES.", valueName: "file"))
        var file: String?

        func run() throws {
            let rules: VerdictRules
            do {
                guard let path = try file ?? Environment.value(.rules) else {
                    throw ValidationError("name the rules file (or set BACKFILL_RULES)")
                }
                rules = try VerdictRules.load(path: path)
                try rules.validate(against: .lifestream)
            } catch let error as ValidationError {
                throw error
            } catch {
                throw fail(error)
            }
            if output.json { return printJSON(Self.json(rules)) }
            print("\(rules.file): valid (sha256 \(rules.sha256.prefix(16))), \(rules.causes.count) cause rules, \(rules.columns.count) column rules")
            if let other = rules.everythingElse {
                print("  line \(other.line)  everything else ≤ \(other.limit) rows — \(other.reason)")
            } else {
                print("  everything else: --max-diff-rows (no [other] in the file)")
            }
            for rule in rules.causes {
                print("  line \(rule.line)  \(rule.id) \(rule.limit.map { "≤ \($0) rows" } ?? "unlimited") — \(rule.reason)")
            }
            for rule in rules.columns {
                print("  line \(rule.line)  \(rule.id) \(rule.comparison.phrase) — \(rule.reason)")
            }
        }

        /// `{file, sha256, valid, rules: [{line, rule, limit|comparison, reason}]}` for scripts.
        static func json(_ rules: VerdictRules) -> Data {
            var list: [[String: Any]] = []
            if let other = rules.everythingElse {
                list.append(["line": other.line, "rule": "other", "limit": other.limit, "reason": other.reason])
            }
            for rule in rules.causes {
                list.append(["line": rule.line, "rule": rule.id, "limit": rule.limit.map { $0 as Any } ?? "unlimited", "reason": rule.reason])
            }
            for rule in rules.columns {
                list.append(["line": rule.line, "rule": rule.id, "comparison": rule.comparison.phrase, "reason": rule.reason])
            }
            let object: [String: Any] = ["file": rules.file, "sha256": rules.sha256, "valid": true, "rules": list]
            return (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        }
    }

    struct Suggest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a starting rules file from a diff: a rule per cause and changed column, commented with its numbers.",
            discussion: """
            Runs a diff (same options as backfill diff) and measures how far apart the changed \
            numbers and timestamps are, or reads a JSON diff report (--report; it has counts but \
            no distances). Float noise gets a relative tolerance, timestamps equal to the \
            millisecond a precision, causes a limit at today's count; anything else is offered \
            commented out. Edit the reasons and limits, then commit the file.

            Examples:
              backfill rules suggest --left lifestream --right lifestream_shadow \\
                  --out rules.toml
              backfill rules suggest --report reports/latest.json
            """)

        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var sides: DiffSideOptions
        @OptionGroup var output: OutputOptions

        @Option(help: ArgumentHelp("Suggest from this JSON diff report instead of running a diff.", valueName: "report.json"))
        var report: String?

        @Option(help: ArgumentHelp("Write the suggestion here (never over an existing file) instead of stdout.", valueName: "file"))
        var out: String?

        func run() throws {
            _ = output.makeLogger("rules")  // librdkafka's lines follow --quiet and --log-format
            let text: String
            do {
                if let out, FileManager.default.fileExists(atPath: out) {
                    throw ReconcileError(code: .invalidOption, message: "\(out) exists; a suggestion never overwrites rules: choose another --out")
                }
                let diff: DiffReport
                let source: String
                if let report {
                    diff = try JSONReport.decode(try Data(contentsOf: URL(fileURLWithPath: report)))
                    source = "the report \(report)"
                } else {
                    var request = try sides.request(database: database)
                    request.collectStatistics = true
                    diff = try DiffRunner.run(request)
                    source = "a diff run for it"
                }
                text = RulesSuggestion.render(diff, source: source)
                // What is suggested must itself be a valid rules file.
                try VerdictRules.parse(text, path: out ?? "suggestion").validate(against: .lifestream)
                if let out { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .withoutOverwriting) }
            } catch {
                throw fail(error)
            }
            if output.json {
                let object: [String: Any] = ["out": out.map { $0 as Any } ?? NSNull(), "rules": text]
                printJSON((try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data())
            } else if let out {
                print("suggested rules written to \(out): edit the reasons and limits, then commit it")
            } else {
                print(text, terminator: "")
            }
        }
    }
}
