import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The `DaemonSelfTest` executable (built beside the test bundle) running as a child process,
/// with what it prints collected as it prints it.
///
/// Every wait here blocks the calling thread (short sleeps, a semaphore) instead of awaiting:
/// when the whole suite runs, synchronous tests fill Swift's two pool threads for minutes, and
/// an `await` between the signal and the exit would measure that queue, not the daemon.
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

    /// Waits until `transcript` (stdout by default) has a line satisfying `matches`, and returns it.
    @discardableResult
    func line(_ matches: (String) -> Bool, within timeout: Duration = .seconds(60), in transcript: Transcript? = nil) throws -> String {
        let transcript = transcript ?? stdout
        let deadline = ContinuousClock.now + timeout
        repeat {
            if let line = transcript.lines.first(where: matches) { return line }
            if !isRunning, let line = transcript.lines.first(where: matches) { return line }
            if !isRunning { break }
            usleep(2_000)
        } while ContinuousClock.now < deadline
        throw Failure(description: "no such line within \(timeout); stdout: \(stdout.value) stderr: \(stderr.value)")
    }

    /// Waits until stdout has more than `count` lines and its last one satisfies `matches`: the
    /// moment a new step begins.
    func nextLast(after count: Int, _ matches: (String) -> Bool, within timeout: Duration = .seconds(60)) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, isRunning {
            let lines = stdout.lines
            if lines.count > count, let last = lines.last, matches(last) { return last }
            usleep(500)
        }
        throw Failure(description: "no new last line within \(timeout); stdout: \(stdout.value) stderr: \(stderr.value)")
    }

    func line(_ exactly: String, within timeout: Duration = .seconds(60)) throws {
        try line({ $0 == exactly }, within: timeout)
    }

    /// The port from the `listening HOST:PORT` line.
    func port() throws -> Int {
        Int(try line { $0.hasPrefix("listening ") }.split(separator: ":").last!)!
    }

    func send(_ signal: Int32) {
        kill(pid, signal)
    }

    var isRunning: Bool { process.withLock { $0.isRunning } }

    /// Waits for the exit and returns its status (128 + n for a death by signal n).
    func exitStatus(within timeout: Duration = .seconds(60)) throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            guard ContinuousClock.now < deadline else {
                send(SIGKILL)
                throw Failure(description: "still running after \(timeout); stdout: \(stdout.value) stderr: \(stderr.value)")
            }
            usleep(2_000)
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

/// One GET that blocks the calling thread (URLSession answers on its own queue).
func getBlocking(_ url: String) throws -> HTTPReply {
    let done = DispatchSemaphore(value: 0)
    let reply = Mutex<Result<HTTPReply, any Error>?>(nil)
    var request = URLRequest(url: URL(string: url)!)
    request.timeoutInterval = 30
    URLSession.shared.dataTask(with: request) { data, response, error in
        reply.withLock { reply in
            if let http = response as? HTTPURLResponse, let data {
                reply = .success(HTTPReply(status: http.statusCode, contentType: http.value(forHTTPHeaderField: "Content-Type"),
                                           body: String(decoding: data, as: UTF8.self)))
            } else {
                reply = .failure(error ?? SelfTestProcess.Failure(description: "no answer from \(url)"))
            }
        }
        done.signal()
    }.resume()
    done.wait()
    return try reply.withLock { $0! }.get()
}
