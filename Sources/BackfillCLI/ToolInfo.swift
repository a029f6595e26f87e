import ArgumentParser
import Display
import Foundation
import Operations
import Postgres
import Redaction
import Store

enum ToolInfo {
    /// Printed by `backfill --version` and written into every manifest and summary, so a file
    /// says which release made it. CHANGELOG.md has a section per version.
    static let version = "0.1.0"
}

/// Exit codes shared by every command: cron and CI gate on them.
enum ExitStatus {
    static let success = ExitCode(0)
    static let diverged = ExitCode(1)
    static let error = ExitCode(2)
    static let locked = ExitCode(3)
}

/// Prints `error: <sentence>` and exits 2 — or 3 when another command holds a lock this one
/// needs (`WriterLockBusy`: nothing was done): every failure is one sentence on one line of
/// stderr (see `printErrorLine`), never a stack trace, and never a secret.
func fail(_ error: any Error) -> ExitCode {
    printErrorLine("\(error)")
    return error is WriterLockBusy ? ExitStatus.locked : ExitStatus.error
}

/// `text` as it may be printed, logged or written to a report: every secret the tool was given
/// (`KnownSecrets`) and anything that looks like one hidden by the one redactor.
func redacted(_ text: String) -> String {
    Redactor.text(text, secrets: KnownSecrets.all)
}

/// The secrets this process was given, so that a message echoing one is caught even where it
/// does not look like a secret (a password cut at an `@` by libpq, a value in an odd place):
/// those inside every command-line argument (`--database-url`, `--left-url`, …), and those of
/// every setting from the config file, `.env` and the environment (secret settings whole,
/// connection strings' passwords).
enum KnownSecrets {
    /// Gathered once; `BackfillCommand.main` does it after parsing (so the `--config` file counts)
    /// and before any work starts.
    static let all: [String] = gather()

    private static func gather() -> [String] {
        var found: [String] = []
        for argument in CommandLine.arguments.dropFirst() {
            found += Redactor.secrets(in: argument)
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                found += Redactor.secrets(in: String(argument[argument.index(after: equals)...]))
            }
        }
        let values = (try? Environment.merged()) ?? ProcessInfo.processInfo.environment
        for key in SettingKey.all {
            guard let value = values[key.name], !value.isEmpty else { continue }
            found += key.isSecret || Redactor.isSecretKey(key.name) ? [value] : Redactor.secrets(in: value)
        }
        return Array(Set(found))
    }
}

/// `error: <sentence>` on stderr, as one line.
func printErrorLine(_ sentence: String) {
    FileHandle.standardError.write(Data("error: \(Display.line(redacted(sentence)))\n".utf8))
}

func printJSON(_ data: Data) {
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}
