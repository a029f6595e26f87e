import Foundation

extension CLIProcess {
    /// A `backfill` process started in the background, for tests where two commands must
    /// overlap: start one, hold it somewhere, run another, then let the first finish.
    public final class Running: Sendable {
        public let process: Process
        private let outPath: String
        private let errPath: String

        init(process: Process, outPath: String, errPath: String) {
            self.process = process
            self.outPath = outPath
            self.errPath = errPath
        }

        public var isRunning: Bool { process.isRunning }
        public var pid: Int32 { process.processIdentifier }

        /// Waits up to `seconds` for the exit; nil when it is still running then (it is left
        /// running: a test that must not hang releases whatever holds it and waits again).
        public func finish(within seconds: Double) -> Outcome? {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            guard !process.isRunning else { return nil }
            defer {
                try? FileManager.default.removeItem(atPath: outPath)
                try? FileManager.default.removeItem(atPath: errPath)
            }
            return Outcome(status: process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus,
                           stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                           stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                           peakMemory: 0, seconds: 0)
        }

        /// What it has written to stderr so far.
        public var stderrSoFar: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

        /// Sends `signal` (SIGTERM, SIGKILL, …).
        public func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

        /// Ends it (SIGKILL) if it still runs: for a test's cleanup.
        public func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    /// Starts `backfill arguments…` with the test process's environment plus `environment`, less
    /// the variables in `removing`, in `workingDirectory` (default: the current one).
    public static func launch(_ arguments: [String], environment: [String: String] = [:], removing: [String] = [],
                              workingDirectory: String? = nil) throws -> Running {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)").path
        let outPath = scratch + ".out", errPath = scratch + ".err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for name in removing { merged[name] = nil }
        process.environment = merged.merging(environment) { $1 }
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
        return Running(process: process, outPath: outPath, errPath: errPath)
    }
}
