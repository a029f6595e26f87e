import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The `DaemonSelfTest` executable (built beside the test bundle) running as a child process,
/// with what it prints collected as it prints it.
final class SelfTestProcess: Sendable {
    final class Transcript: Sendable {
        private let text = Mutex("")
        func append(_ data: Data) { text.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        var value: String { text.withLock { $0 } }
        var lines: [String] { value.split(separator: "\n").map(String.init) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let stdout = Transcript()
    let stderr = Transcript()
    private let process: Mutex<Process>
    let pid: Int32

    init(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.executable())
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let stdout = stdout, stderr = stderr
        out.fileHandleForReading.readabilityHandler = { stdout.append($0.availableData) }
        err.fileHandleForReading.readabilityHandler = { stderr.append($0.availableData) }
        try process.run()
        pid = process.processIdentifier
        self.process = Mutex(process)
    }

    /// Waits until stdout has a line satisfying `matches`, and returns it.
    @discardableResult
    func line(_ matches: (String) -> Bool, within timeout: Duration = .seconds(30), in transcript: Transcript? = nil) async throws -> String {
        let transcript = transcript ?? stdout
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = transcript.lines.first(where: matches) { return line }
            if !isRunning { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        if let line = transcript.lines.first(where: matches) { return line }
        throw Failure(description: "no such line within \(timeout); stdout: \(stdout.value) stderr: \(stderr.value)")
    }

    func line(_ exactly: String, within timeout: Duration = .seconds(30)) async throws {
        try await line({ $0 == exactly }, within: timeout)
    }

    /// The port from the `listening HOST:PORT` line.
    func port() async throws -> Int {
        let line = try await line { $0.hasPrefix("listening ") }
        return Int(line.split(separator: ":").last!)!
    }

    func send(_ signal: Int32) {
        kill(pid, signal)
    }

    var isRunning: Bool { process.withLock { $0.isRunning } }

    /// Waits for the exit and returns its status (128 + n for a death by signal n).
    func exitStatus(within timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            guard ContinuousClock.now < deadline else {
                send(SIGKILL)
                throw Failure(description: "still running after \(timeout); stdout: \(stdout.value) stderr: \(stderr.value)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.withLock { process in
            process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        }
    }

    /// `.build/<config>/DaemonSelfTest`, beside the test bundle (`swift build --build-tests` builds both).
    static func executable() throws -> String {
        var directory = (try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") as NSString).deletingLastPathComponent
        while !directory.isEmpty, directory != "/" {
            let candidate = (directory as NSString).appendingPathComponent("DaemonSelfTest")
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = (directory as NSString).deletingLastPathComponent
        }
        throw Failure(description: "the DaemonSelfTest executable is not next to the test bundle: build with `swift build --build-tests`")
    }
}
