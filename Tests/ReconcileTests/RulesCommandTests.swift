import Foundation
import Postgres
import TestSupport
import Testing
@testable import Reconcile

/// `--rules`, `backfill rules check` and `backfill rules suggest` as an operator runs them.
@Suite("backfill rules and --rules on the command line", .tags(.integration))
struct RulesCommandTests {
    static func scratch() throws -> String {
        let directory = NSTemporaryDirectory() + TestEnvironment.uniqueName("rulescli")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    static func write(_ text: String, _ name: String, in directory: String) throws -> String {
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// (file, line, words): malformations a person makes.
    static let malformed: [(String, Int, String)] = [
        ("[other]\nlimit = 0\n", 1, "has no reason"),
        ("# rules\n\n[causes.missing_events]\nlimit = 5\nreason = \"x\"\n", 3, "unknown cause missing_events"),
        ("[tables.links.columns.updated_at]\nprecision = \"milliseconds\"\nreason = \"ms\"\n\n[tables.links.columns.titel]\nignore = true\nreason = \"x\"\n",
         5, "has no column titel"),
        ("[tables.temperature_readings.columns.celsius]\nabsolute = 1e-9,\nreason = \"x\"\n", 2, "unexpected ','"),
        ("[causes.missing_event]\nlimit = fifty\nreason = \"x\"\n", 2, "fifty is not a value"),
    ]

    @Test("a malformed rules file stops diff, cutover-report, nightly and rules check with exit 2 naming its line")
    func malformedFile() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (index, (text, line, words)) in Self.malformed.enumerated() {
            let path = try Self.write(text, "bad\(index).toml", in: directory)
            let commands: [[String]] = [
                ["rules", "check", path],
                ["diff", "--rules", path, "--reports-dir", directory + "/reports"],
                ["cutover-report", "--rules", path, "--reports-dir", directory + "/reports"],
                ["nightly", "--rules", path, "--reports-dir", directory + "/reports", "--manifest-dir", directory + "/manifests"],
            ]
            for arguments in commands {
                let outcome = try CLIProcess.run(arguments, workingDirectory: directory)
                #expect(outcome.status == 2, "\(arguments[0]): \(outcome.stderr)")
                #expect(outcome.stderr.contains("error: \(path):\(line): "), "\(arguments[0]): \(outcome.stderr)")
                #expect(outcome.stderr.contains(words), "\(arguments[0]): \(outcome.stderr)")
            }
            // BACKFILL_RULES is read the same way, and --no-rules sets it aside.
            let fromEnvironment = try CLIProcess.run(["rules", "check"], environment: ["BACKFILL_RULES": path])
            #expect(fromEnvironment.status == 2)
            #expect(fromEnvironment.stderr.contains("\(path):\(line): "))
        }
    }

    /// Float noise, a timestamp 0.4 ms apart and two rows only on the live side (no events:
    /// missing_event), with an event log.
    static func plant(_ fixture: DiffFixture) throws {
        try fixture.createStateSchema()
        let reading = RulesDiffTests.reading
        try fixture.onLeft(reading, ["t-1", "2024-01-01 00:01:00+00", "20.5", "50"])
        try fixture.onRight(reading, ["t-1", "2024-01-01 00:01:00+00", .text(String(20.5 + 1e-12)), "50"])
        try fixture.link("l-1", in: [fixture.left], updatedAt: "2024-01-01 00:00:00.1231+00")
        try fixture.link("l-1", in: [fixture.right], updatedAt: "2024-01-01 00:00:00.1235+00")
        for id in ["m-1", "m-2"] { try fixture.link(id, in: [fixture.left]) }
    }

    @Test("rules suggest proposes a file that rules check accepts and that the diff then passes, showing both views")
    func suggestThenJudge() throws {
        try DiffFixture.with { fixture in
            try Self.plant(fixture)
            let directory = try Self.scratch()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let sides = ["--left", fixture.left, "--right", fixture.right, "--reports-dir", directory + "/reports"]

            let without = try CLIProcess.run(["diff"] + sides)
            #expect(without.status == 1, "\(without.stderr)")

            let out = directory + "/rules.toml"
            let suggested = try CLIProcess.run(["rules", "suggest", "--out", out] + sides.dropLast(2))
            #expect(suggested.status == 0, "\(suggested.stderr)")
            let text = try String(contentsOfFile: out, encoding: .utf8)
            #expect(text.contains("[causes.missing_event]\nlimit = 4\n"), "\(text)")  // no events for any of the four subjects
            #expect(text.contains("[tables.temperature_readings.columns.celsius]\nrelative = 1e-"), "\(text)")
            #expect(text.contains("[tables.links.columns.updated_at]\nprecision = \"milliseconds\""), "\(text)")
            #expect(text.contains("largest difference 9.98e-13, relative 4.87e-14"), "\(text)")  // 20.5 + 1e-12 as a double
            let rules = try VerdictRules.parse(text, path: out)
            try rules.validate(against: .lifestream)
            let again = try CLIProcess.run(["rules", "suggest", "--out", out] + sides.dropLast(2))
            #expect(again.status == 2 && again.stderr.contains("exists"))

            let check = try CLIProcess.run(["rules", "check", out])
            #expect(check.status == 0, "\(check.stderr)")

            let judged = try CLIProcess.run(["diff", "--rules", out] + sides)
            #expect(judged.status == 0, "\(judged.stdout)\(judged.stderr)")
            #expect(judged.stdout.contains("verdict: within threshold after rules (4 differing rows, 4 accepted, 0 left ≤ 0)"), "\(judged.stdout)")
            #expect(judged.stdout.contains("accepted  after-rules"))
            let json = try CLIProcess.run(["diff", "--rules", out, "--json"] + sides)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["format_version"] as? Int == 2)
            #expect((object["totals"] as? [String: Any])?["differences"] as? Int == 4)
            let totals = (object["verdict_rules"] as? [String: Any])?["totals"] as? [String: Any]
            #expect(totals?["remaining"] as? Int == 0 && totals?["accepted_by_cause_rules"] as? Int == 2)
            let markdown = try String(contentsOfFile: directory + "/reports/latest.md", encoding: .utf8)
            #expect(markdown.contains("## Rules"))
            #expect(markdown.contains("| accepted | after rules |"))

            // --no-rules (and BACKFILL_RULES) judge as before.
            let plain = try CLIProcess.run(["diff", "--no-rules"] + sides, environment: ["BACKFILL_RULES": out])
            #expect(plain.status == 1)
            let fromEnvironment = try CLIProcess.run(["diff"] + sides, environment: ["BACKFILL_RULES": out])
            #expect(fromEnvironment.status == 0)
            // Without causes the cause rule cannot apply (the report says so) and the two missing rows
            // remain; an explicit --max-diff-rows overrides the file's [other], and the report says so too.
            let noCauses = try CLIProcess.run(["diff", "--rules", out, "--no-causes"] + sides)
            #expect(noCauses.status == 1)
            #expect(noCauses.stdout.contains("causes unavailable"), "\(noCauses.stdout)")
            let overridden = try CLIProcess.run(["diff", "--rules", out, "--no-causes", "--max-diff-rows", "2"] + sides)
            #expect(overridden.status == 0, "\(overridden.stdout)")
            #expect(overridden.stdout.contains("--max-diff-rows, overriding the rules file's 0"), "\(overridden.stdout)")
        }
    }

    @Test("cutover-report judges its diff check after the rules and lists them")
    func cutover() throws {
        try CutoverFixture.with { fixture in
            try fixture.admin.commitOffsets(group: fixture.liveGroup, topic: fixture.topic, offsets: [0: 20, 1: 20])
            try fixture.tables.link("l-1", in: [fixture.tables.left], updatedAt: "2024-01-01 00:00:00+00")
            try fixture.tables.link("l-1", in: [fixture.tables.right], updatedAt: "2024-03-01 00:00:00+00")
            var request = fixture.request()
            #expect(try CutoverRunner.run(request, admin: fixture.admin).checks[0].passed == false)
            request.diff.rules = try VerdictRules.parse("""
                [tables.links.columns.updated_at]
                ignore = true
                reason = "processing time"
                """, path: "rules.toml")
            let report = try CutoverRunner.run(request, admin: fixture.admin)
            #expect(report.checks[0].passed, "\(report.checks[0].detail)")
            #expect(report.checks[0].detail.contains("1 differing rows; 1 of 1 differing rows accepted by rules"))
            #expect(report.reproduce.commands[0].contains("--rules rules.toml"))
            #expect(!report.reproduce.commands[0].contains("--max-diff-rows"))
            for text in [CutoverRendering.markdown(report), CutoverRendering.html(report)] {
                #expect(text.contains("tables.links.columns.updated_at"))
                #expect(text.contains("processing time"))
            }
            #expect(try CutoverRendering.decode(Data(CutoverRendering.json(report).utf8)) == report)
        }
    }
}
