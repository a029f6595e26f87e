import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the `backfill` executable built next to the test bundle, as an operator would, and
/// reports what it printed, its exit status and its peak memory (the child's own, so tests
/// running in parallel in this process do not blur it).
public struct CLIProcess {
    public struct Outcome: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// Peak resident memory of the child in bytes: its `VmHWM`, last read just before it exited.
        public var peakMemory: Int
        /// Seconds from spawn to exit.
        public var seconds: Double
    }

    /// `.build/<config>/backfill`, beside the test bundle (`swift build --build-tests` builds both).
    public static func executable() throws -> String {
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var directory = (testBinary as NSString).deletingLastPathComponent
        // The bundle may be a directory (…/backfillPackageTests.xctest/…) on some layouts.
        while !directory.isEmpty, directory != "/" {
            let candidate = (directory as NSString).appendingPathComponent("backfill")
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = (directory as NSString).deletingLastPathComponent
        }
        throw CLIMissing()
    }

    public struct CLIMissing: Error, CustomStringConvertible {
        public var description: String { "the backfill executable is not next to the test bundle: build with `swift build --build-tests`" }
    }

    /// Runs `backfill arguments…` with the test process's environment plus `environment`, after removing
    /// the variables in `removing`, in `workingDirectory` (default: the current one).
    public static func run(_ arguments: [String], environment: [String: String] = [:], removing: [String] = [],
                           workingDirectory: String? = nil) throws -> Outcome {
        let executable = try executable()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)").path
        let outPath = scratch + ".out", errPath = scratch + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        var merged = ProcessInfo.processInfo.environment
        for name in removing { merged[name] = nil }
        merged.merge(environment) { $1 }
        // GNU env's -C changes directory and execs the tool in the same process (glibc's
        // posix_spawn_file_actions_addchdir_np is not visible to Swift).
        let program = workingDirectory == nil ? executable : "/usr/bin/env"
        let prefix = workingDirectory.map { ["/usr/bin/env", "-C", $0, executable] } ?? [executable]
        let argv = (prefix + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let started = Date()
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        var usage = rusage()
        var highWater: Int?
        // Polls the child's own high-water mark until it exits (see `highWaterMark`).
        while true {
            let waited = wait4(pid, &status, WNOHANG, &usage)
            if waited == pid { break }
            if waited < 0 {
                guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                continue
            }
            if let mark = highWaterMark(pid: pid, executable: executable) { highWater = max(highWater ?? 0, mark) }
            usleep(5_000)
        }
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(
            status: exitStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
            peakMemory: highWater ?? Int(usage.ru_maxrss) * 1024,
            seconds: Date().timeIntervalSince(started))
    }

    /// `VmHWM` of `pid` once it runs `executable`, in bytes.
    ///
    /// Not `ru_maxrss`: posix_spawn starts the child with vfork, and at exec the kernel folds the
    /// old address space's high-water mark — the test process's own, hundreds of MB when suites
    /// run in parallel — into the child's `ru_maxrss`. `VmHWM` belongs to the new address space.
    static func highWaterMark(pid: pid_t, executable: String) -> Int? {
        guard let image = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"),
              image == executable || image == (executable as NSString).resolvingSymlinksInPath,
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return nil }
        let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
        return kilobytes.map { $0 * 1024 }
    }
}
