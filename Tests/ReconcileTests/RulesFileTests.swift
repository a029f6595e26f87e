import Foundation
import Testing
@testable import Reconcile

/// The rules file alone: parsing, strict errors with their line, the catalog check, and the
/// comparisons — no PostgreSQL.
@Suite("Verdict rules file")
struct RulesFileTests {
    static let example = """
        # rules for the cutover
        version = 1

        [other]
        limit = 3   # rows no rule accepts
        reason = "nothing else may differ"

        [causes.missing_event]
        limit = 50
        reason = "the live job is catching up"

        [causes]
        live_column_rule = { limit = "unlimited", reason = 'created_at is written from every event' }

        [tables.temperature_readings.columns]
        celsius = { relative = 1e-12, reason = "float noise" }
        humidity.absolute = 0.000_001
        humidity.reason = "rounded by the live job"

        [tables.links.columns.updated_at]
        precision = "milliseconds"
        reason = "the live job stores \\"milliseconds\\""

        [tables."subjects".columns.updated_at]
        ignore = true
        reason = "processing time"
        """

    @Test("a file using every construct reads into its rules, each with its line and reason")
    func parsesExample() throws {
        let rules = try VerdictRules.parse(Self.example, path: "rules.toml")
        #expect(rules.everythingElse == .init(limit: 3, reason: "nothing else may differ", line: 4))
        #expect(rules.causes.map(\.id) == ["causes.missing_event", "causes.live_column_rule"])
        #expect(rules.causes.map(\.limit) == [50, nil])
        #expect(rules.causes.map(\.line) == [8, 13])
        #expect(rules.columns.map(\.id) == ["tables.temperature_readings.columns.celsius", "tables.temperature_readings.columns.humidity",
                                            "tables.links.columns.updated_at", "tables.subjects.columns.updated_at"])
        #expect(rules.columns.map(\.line) == [16, 17, 20, 24])
        #expect(rules.columns.map(\.comparison.phrase) == ["within 1e-12 relative", "within 0.000_001 absolute", "to the millisecond", "ignored"])
        #expect(rules.columns[2].reason == "the live job stores \"milliseconds\"")
        #expect(rules.sha256.count == 64)
        try rules.validate(against: .lifestream)
    }

    /// (text, line the error must name, words it must contain)
    static let malformed: [(String, Int, String)] = [
        ("[other]\nlimit = 0\n", 1, "has no reason"),
        ("[other]\nlimit = 0\nreason = \"\"\n", 3, "reason is empty"),
        ("\n[causes.missing_event]\nreason = \"x\"\n", 2, "has no limit"),
        ("[causes.missing_event]\nlimit = 5.5\nreason = \"x\"\n", 2, "whole number"),
        ("[causes.missing_event]\nlimit = -1\nreason = \"x\"\n", 2, "whole number"),
        ("[causes.missing_event]\nlimit = \"fifty\"\nreason = \"x\"\n", 2, "\"fifty\""),
        ("[causes.missing_event]\nlimit = 5\nreason = \"x\"\n\n[causes.missing_events]\nlimit = 1\nreason = \"x\"\n", 5, "unknown cause missing_events"),
        ("[tables.links.columns.title]\nabsolute = 1e-9x\nreason = \"x\"\n", 2, "1e-9x is not a value"),
        ("[tables.links.columns.title]\nabsolute = -1e-9\nreason = \"x\"\n", 2, "0 or more"),
        ("[tables.links.columns.title]\nrelative = 1\nreason = \"x\"\n", 2, "less than 1"),
        ("[tables.links.columns.title]\nabsolute = \"1e-9\"\nreason = \"x\"\n", 2, "must be a number"),
        ("[tables.links.columns.title]\nprecision = \"hours\"\nreason = \"x\"\n", 2, "precision must be one of"),
        ("[tables.links.columns.title]\nignore = false\nreason = \"x\"\n", 2, "ignore must be true"),
        ("\n\n[tables.links.columns.title]\nignore = true\nabsolute = 1\nreason = \"x\"\n", 3, "more than one comparison"),
        ("[tables.links.columns.title]\nreason = \"x\"\n", 1, "says nothing about the column"),
        ("[tables.links.columns.title]\nignore = true\nreason = \"x\"\nwhy = 1\n", 4, "unknown key why"),
        ("[tables.links]\nignore = [\"title\"]\n", 2, "unknown key ignore"),
        ("verzion = 1\n", 1, "unknown key verzion"),
        ("version = 2\n", 1, "version must be 1"),
        ("[other]\nlimit = 1\nreason = \"x\n", 3, "not closed"),
        ("[other]\nlimit = 1\nlimit = 2\nreason = \"x\"\n", 3, "set twice (first on line 2)"),
        ("[other]\nlimit = 1\nreason = \"x\"\n[other]\n", 4, "defined twice"),
        ("[other\nlimit = 1\n", 1, "expected ']'"),
        ("[[other]]\n", 1, "arrays of tables"),
        ("[other]\nlimit\n", 2, "expected '='"),
        ("[other]\nlimit = 1 2\n", 2, "unexpected"),
        ("[other]\nlimit = 0x10\n", 2, "decimal"),
        ("[other]\nlimit = inf\n", 2, "finite"),
        ("[other]\nlimit = 007\n", 2, "is not a value"),
        ("[other]\nreason = \"\"\"long\"\"\"\n", 2, "multi-line strings"),
        ("[other]\nlimit = 1979-05-27\n", 2, "dates"),
        ("[other]\nlimit = 1\nreason = \"a \\q b\"\n", 3, "unknown escape"),
        ("x = [1,\n2\n", 3, "not closed"),
        ("[tables.links.columns]\ntitle = { ignore = true, reason = \"x\"\n", 2, "closed with '}'"),
    ]

    @Test("a malformed file is an error naming the line", arguments: malformed.indices)
    func malformedFiles(_ index: Int) throws {
        let (text, line, words) = Self.malformed[index]
        do {
            _ = try VerdictRules.parse(text, path: "bad.toml")
            Issue.record("accepted: \(text)")
        } catch let error as ReconcileError {
            #expect(error.code == .invalidRules)
            #expect(error.message.hasPrefix("bad.toml:\(line): "), "\(error.message)")
            #expect(error.message.contains(words), "\(error.message)")
        }
    }

    /// (rule, line, words)
    static let unknownToCatalog: [(String, String)] = [
        ("[tables.linkz.columns.title]\nignore = true\nreason = \"x\"\n", "unknown table linkz"),
        ("[tables.links.columns.titel]\nignore = true\nreason = \"x\"\n", "has no column titel"),
        ("[tables.links.columns.subject_id]\nignore = true\nreason = \"x\"\n", "part of the primary key"),
        ("[tables.links.columns.title]\nabsolute = 1\nreason = \"x\"\n", "a tolerance needs a number column"),
        ("[tables.temperature_readings.columns.celsius]\nprecision = \"seconds\"\nreason = \"x\"\n", "a precision needs a timestamp column"),
    ]

    @Test("tables and columns are checked against the catalog, naming the rule's line", arguments: unknownToCatalog.indices)
    func catalogErrors(_ index: Int) throws {
        let (text, words) = Self.unknownToCatalog[index]
        let rules = try VerdictRules.parse("\n\n" + text, path: "rules.toml")
        #expect {
            try rules.validate(against: .lifestream)
        } throws: { error in
            let message = (error as? ReconcileError)?.message ?? ""
            return message.hasPrefix("rules.toml:3: ") && message.contains(words)
        }
    }

    @Test("a tolerance accepts float noise of 1e-12 and nothing beyond it, symmetrically")
    func tolerance() {
        let absolute = ColumnComparison.tolerance(.init(absolute: 1e-9, relative: nil))
        let relative = ColumnComparison.tolerance(.init(absolute: nil, relative: 1e-12))
        let noisy = Array(String(20.5 + 1e-12).utf8), exact = Array("20.5".utf8)
        #expect(absolute.accepts(exact, noisy) && absolute.accepts(noisy, exact))
        #expect(relative.accepts(Array("16.262".utf8), Array("16.262000000000001".utf8)))
        #expect(!absolute.accepts(Array("20.5".utf8), Array("20.500001".utf8)))
        #expect(!relative.accepts(Array("1".utf8), Array("1.000001".utf8)))
        #expect(!absolute.accepts(exact, nil) && !absolute.accepts(nil, exact))
        #expect(!absolute.accepts(Array("NaN".utf8), exact))
        #expect(!absolute.accepts(Array("Infinity".utf8), Array("-Infinity".utf8)))
        #expect(ColumnComparison.tolerance(.init(absolute: 0.5, relative: nil)).accepts(Array("1".utf8), Array("1.5".utf8)))
        #expect(!ColumnComparison.tolerance(.init(absolute: 0.5, relative: nil)).accepts(Array("1".utf8), Array("1.5000001".utf8)))
        #expect(!absolute.accepts(Array("text".utf8), exact))
    }

    @Test("a precision truncates both timestamps to the unit before comparing")
    func precision() {
        let milliseconds = ColumnComparison.precision(.milliseconds), seconds = ColumnComparison.precision(.seconds)
        func accepts(_ rule: ColumnComparison, _ left: String, _ right: String) -> Bool { rule.accepts(Array(left.utf8), Array(right.utf8)) }
        #expect(accepts(milliseconds, "2024-01-01 00:00:00.1234+00", "2024-01-01 00:00:00.123999+00"))
        #expect(accepts(milliseconds, "2024-01-01 00:00:00+00", "2024-01-01 00:00:00.0004+00"))
        #expect(accepts(milliseconds, "2024-01-01 00:00:00.1+00", "2024-01-01 00:00:00.100999+00"))
        #expect(!accepts(milliseconds, "2024-01-01 00:00:00.123+00", "2024-01-01 00:00:00.124+00"))
        #expect(!accepts(milliseconds, "2024-01-01 00:00:00.999+00", "2024-01-01 00:00:01+00"))
        #expect(accepts(seconds, "2024-01-01 00:00:00.999999+00", "2024-01-01 00:00:00+00"))
        #expect(!accepts(seconds, "2024-01-01 00:00:00+00", "2024-01-01 00:00:01+00"))
        #expect(accepts(milliseconds, "0044-03-15 12:00:00.0001 BC", "0044-03-15 12:00:00 BC"))
        #expect(!accepts(milliseconds, "0044-03-15 12:00:00 BC", "0044-03-15 12:00:00+00"))
        #expect(!accepts(milliseconds, "infinity", "2024-01-01 00:00:00+00"))
        #expect(!milliseconds.accepts(nil, Array("2024-01-01 00:00:00+00".utf8)))
    }
}
