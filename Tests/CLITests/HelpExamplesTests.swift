import ArgumentParser
@testable import BackfillCLI
import Foundation
import Testing
import TestSupport

/// The examples a user copies from `--help` must work as printed. They are read from the
/// rendered help of every command (so a new example is covered as soon as it is written) and
/// parsed exactly as the executable parses its arguments, validation included; nothing connects.
@Suite("--help examples and the output options", .serialized, .tags(.integration))
struct HelpExamplesTests {
    /// Every command below `backfill`, groups included, with its words (`["snapshot", "export"]`).
    static func commands() -> [(path: [String], type: ParsableCommand.Type)] {
        var found: [(path: [String], type: ParsableCommand.Type)] = []
        func walk(_ type: ParsableCommand.Type, _ path: [String]) {
            for sub in type.configuration.subcommands {
                let name = sub._commandName
                found.append((path + [name], sub))
                walk(sub, path + [name])
            }
        }
        walk(BackfillCommand.self, [])
        return found
    }

    /// Lines of the help that start with `backfill ` once indentation is removed: the examples,
    /// each joined with the lines it continues onto (a line ending in ` \`, as in a shell).
    /// Rendered wide, so ArgumentParser wraps none of them.
    static func examples(of type: ParsableCommand.Type) -> [String] {
        let lines = BackfillCommand.helpMessage(for: type, columns: 10_000)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var examples: [String] = []
        var index = 0
        while index < lines.count {
            guard lines[index].hasPrefix("backfill ") else { index += 1; continue }
            var example = lines[index]
            while example.hasSuffix(" \\"), index + 1 < lines.count {
                index += 1
                example = String(example.dropLast()) + lines[index]
            }
            examples.append(example)
            index += 1
        }
        return examples
    }

    @Test("every example fits the 80 columns the help is printed in, so none is wrapped mid-command")
    func examplesFitTheScreen() {
        for (path, type) in Self.commands() {
            for line in BackfillCommand.helpMessage(for: type, columns: 10_000).split(separator: "\n")
            where line.trimmingCharacters(in: .whitespaces).hasPrefix("backfill ") || line.hasSuffix(" \\") {
                #expect(line.count <= 80, "backfill \(path.joined(separator: " ")) --help: \(line)")
            }
        }
    }

    /// Splits an example as a POSIX shell would: blanks separate words, quotes group them.
    static func words(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character == " " {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// Parses like the executable (`BackfillCommand.main`: the same rewriting, validation
    /// included); the parsed command, or the error's text. A request for help or the version
    /// is a failure here: an example that prints the help instead of running did not parse.
    static func parse(_ arguments: [String]) -> Result<ParsableCommand, ParseFailure> {
        defer { Environment.configPathFlag = nil }  // --config sets it while validating
        do {
            let command = try BackfillCommand.parseAsRoot(InstantArguments.attached(arguments))
            guard String(reflecting: type(of: command)).hasPrefix("BackfillCLI.") else {
                return .failure(ParseFailure(message: "it parsed as \(type(of: command)), not as a backfill command (the help was asked for?)", exitCode: 0))
            }
            return .success(command)
        } catch {
            return .failure(ParseFailure(message: BackfillCommand.message(for: error), exitCode: BackfillCommand.exitCode(for: error).rawValue))
        }
    }

    struct ParseFailure: Error {
        var message: String
        var exitCode: Int32
    }

    @Test("every command's --help has examples, and every example parses exactly as printed")
    func everyExampleParses() {
        let commands = Self.commands()
        #expect(commands.count >= 17)
        for (path, type) in [(path: [String](), type: BackfillCommand.self as ParsableCommand.Type)] + commands {
            let examples = Self.examples(of: type)
            #expect(!examples.isEmpty, "backfill \(path.joined(separator: " ")) --help shows no example")
            for example in examples {
                let words = Array(Self.words(example).dropFirst())
                if case .failure(let failure) = Self.parse(words) {
                    Issue.record("`\(example)` (in the help of backfill \(path.joined(separator: " "))) does not parse: \(failure.message)")
                }
            }
        }
    }

    @Test("a relative instant may follow its option as a separate word, as the help shows")
    func relativeInstantAsSeparateWord() throws {
        for arguments in [["plan", "--since", "-24h", "--until", "now"], ["run", "--since", "-7d", "--until", "-1h"],
                          ["embed", "--since", "-90m"], ["nightly", "--until", "-30m"]] {
            let parsed = Self.parse(arguments)
            if case .failure(let failure) = parsed { Issue.record("\(arguments.joined(separator: " ")): \(failure.message)") }
        }
        let plan = try #require(try Self.parse(["plan", "--since", "-24h", "--until", "now"]).get() as? PlanCommand)
        #expect(plan.bounds.since == "-24h")
        #expect(plan.bounds.until == "now")
    }

    @Test("the executable reads `plan --since -24h --until now` as bounds, not as a request for help")
    func executableReadsRelativeInstants() throws {
        let topic = TestEnvironment.uniqueName("help_missing")
        let outcome = try CLIProcess.run(["plan", "--since", "-24h", "--until", "now", "--topic", topic])
        #expect(outcome.status == 2, "\(outcome.everything)")
        #expect(!outcome.stdout.contains("OVERVIEW"), "\(outcome.stdout)")
        #expect(outcome.stderr.contains(topic), "\(outcome.stderr)")
    }

    @Test("every command accepts --quiet, --log-format json and --json (a follower, which prints no result, refuses --json)")
    func outputOptionsEverywhere() {
        for (path, type) in Self.commands() where type.configuration.subcommands.isEmpty {
            guard let example = Self.examples(of: type).first else { continue }  // reported by everyExampleParses
            let arguments = Array(Self.words(example).dropFirst())
            let follower = path == ["follow"]
            let extras = [["--quiet"], ["-q"], ["--log-format", "json"], ["--log-format", "text"]]
                + (follower ? [] : [["--json"], ["--json", "--quiet", "--log-format", "json"]])
            for extra in extras {
                if case .failure(let failure) = Self.parse(arguments + extra) {
                    Issue.record("backfill \(path.joined(separator: " ")) does not accept \(extra.joined(separator: " ")): \(failure.message)")
                }
            }
        }
    }

    @Test("an inverted or empty --since/--until window is a usage error naming both instants")
    func invertedWindow() {
        let cases: [[String]] = [
            ["plan", "--since", "2026-06-01T00:00:00Z", "--until", "2026-01-01T00:00:00Z"],
            ["run", "--since", "2026-06-01T00:00:00Z", "--until", "2026-01-01T00:00:00Z"],
            ["replay", "--since", "2026-06-01T00:00:00Z", "--until", "2026-01-01T00:00:00Z"],
            ["embed", "--since", "2026-06-01T00:00:00Z", "--until", "2026-01-01T00:00:00Z"],
            ["run", "--since", "-1h", "--until", "-2h"],
            ["plan", "--since", "2026-06-01T00:00:00Z", "--until", "2026-06-01T00:00:00Z"],
        ]
        for arguments in cases {
            guard case .failure(let failure) = Self.parse(arguments) else {
                Issue.record("\(arguments.joined(separator: " ")) was accepted")
                continue
            }
            #expect(failure.exitCode == 64, "\(failure.message)")
            #expect(failure.message.contains(arguments[2]) && failure.message.contains(arguments[4]), "\(failure.message)")
        }
        if case .failure(let failure) = Self.parse(["plan", "--since", "2026-01-01T00:00:00Z", "--until", "2026-06-01T00:00:00Z"]) {
            Issue.record("a forward window was refused: \(failure.message)")
        }
    }

    @Test("--json with a follower that prints no result is a usage error saying what to use instead")
    func followersRefuseJSON() {
        for arguments in [["follow", "--json"], ["follow", "--json", "--verify-against", "lifestream"]] {
            guard case .failure(let failure) = Self.parse(arguments) else {
                Issue.record("\(arguments.joined(separator: " ")) was accepted")
                continue
            }
            #expect(failure.exitCode == 64, "\(failure.message)")
            #expect(failure.message.contains("--log-format json"), "\(failure.message)")
        }
    }
}
