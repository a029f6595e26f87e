import Foundation
import Testing
import TestSupport

@Suite("scripts/install.sh", .tags(.integration))
struct InstallTests {
    /// The version in `ToolInfo.swift`, read from the source so the test does not trust the binary.
    static func sourceVersion() throws -> String {
        let source = try Repository.read("Sources/BackfillCLI/ToolInfo.swift")
        let match = try #require(MarkdownFile.matches(#"static let version = "([^"]+)""#, in: source).first)
        return MarkdownFile.substring(source, match.range(at: 1))
    }

    @Test("installing into an empty prefix gives a binary that prints its version, a man page man reads, completions, the example config and units pointing at the prefix")
    func installIntoEmptyPrefix() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let prefix = scratch + "/prefix"
        // The debug build beside the test bundle: a release build would double CI's build time,
        // and the install steps after the build are the same.
        let binary = try CLIProcess.executable()

        let install = try Command.run(["bash", "scripts/install.sh", "--binary", binary, prefix])
        #expect(install.status == 0, "install.sh failed:\n\(install.stdout)\n\(install.stderr)")
        try #require(install.status == 0)

        let installed = "\(prefix)/bin/backfill"
        let expectedVersion = try Self.sourceVersion()
        let version = try Command.run([installed, "--version"])
        #expect(version.status == 0)
        #expect(version.stdout == expectedVersion + "\n")
        let changelog = try Repository.read("CHANGELOG.md")
        #expect(changelog.contains("## [\(expectedVersion)]"), "CHANGELOG.md has no section for version \(expectedVersion)")

        let page = "\(prefix)/share/man/man1/backfill.1"
        let man = try Command.run(["man", "-P", "cat", "-l", page], environment: ["MANWIDTH": "100", "LANG": "C.UTF-8"])
        #expect(man.status == 0, "man -l failed: \(man.stderr)")
        #expect(man.stdout.contains("BACKFILL(1)"))
        for expected in ["cutover-report", "cleanup-legacy", "--max-diff-rows", "--version"] {
            #expect(man.stdout.contains(expected), "the man page does not mention \(expected)")
        }
        #expect(!man.stderr.contains("warning"), "man warns about the page:\n\(man.stderr)")

        let bash = "\(prefix)/share/bash-completion/completions/backfill"
        let syntax = try Command.run(["bash", "-n", bash])
        #expect(syntax.status == 0, "the bash completion does not parse: \(syntax.stderr)")
        #expect(try String(contentsOfFile: bash, encoding: .utf8).contains("cutover-report"))
        #expect(try String(contentsOfFile: "\(prefix)/share/zsh/site-functions/_backfill", encoding: .utf8).hasPrefix("#compdef backfill"))
        #expect(try String(contentsOfFile: "\(prefix)/share/fish/vendor_completions.d/backfill.fish", encoding: .utf8).contains("complete -c 'backfill'"))

        // The example config is complete and valid: the installed binary accepts every key in it.
        let example = "\(prefix)/share/backfill/backfill.example.conf"
        let check = try Command.run([installed, "config", "check", "--config", example, "--no-connect", "--json"], in: scratch)
        #expect(check.status == 0, "config check refused the installed example config: \(check.stderr)")

        let service = try String(contentsOfFile: "\(prefix)/lib/systemd/system/backfill-nightly.service", encoding: .utf8)
        #expect(service.contains("ExecStart=\(installed) nightly "), "\(service)")
        #expect(FileManager.default.fileExists(atPath: "\(prefix)/lib/systemd/system/backfill-nightly.timer"))
        let crontab = try String(contentsOfFile: "\(prefix)/share/backfill/backfill.crontab", encoding: .utf8)
        #expect(crontab.contains("\(installed) nightly "))
        #expect(!service.contains("/usr/local/bin/backfill") && !crontab.contains("/usr/local/bin/backfill"))
    }

    @Test("install.sh refuses a relative prefix, an unknown option and a binary that is not there, installing nothing")
    func refusals() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let relative = try Command.run(["bash", "scripts/install.sh", "relative/prefix"])
        #expect(relative.status == 64)
        #expect(relative.stderr.contains("PREFIX must be an absolute path"))
        let unknown = try Command.run(["bash", "scripts/install.sh", "--prefix", scratch])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown option --prefix"))
        let missing = try Command.run(["bash", "scripts/install.sh", "--binary", scratch + "/nothing", scratch])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("is not an executable file"))
        #expect(!FileManager.default.fileExists(atPath: scratch + "/bin"))
    }
}
