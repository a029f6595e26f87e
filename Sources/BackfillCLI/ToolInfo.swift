import ArgumentParser
import Display
import Foundation

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

/// Prints `error: <sentence>` and exits 2: every failure is one sentence on one line of stderr
/// (a name with a newline in it is escaped, see `Display.line`), never a stack trace.
func fail(_ error: any Error) -> ExitCode {
    printErrorLine("\(error)")
    return ExitStatus.error
}

/// `error: <sentence>` on stderr, as one line.
func printErrorLine(_ sentence: String) {
    FileHandle.standardError.write(Data("error: \(Display.line(sentence))\n".utf8))
}

func printJSON(_ data: Data) {
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}
