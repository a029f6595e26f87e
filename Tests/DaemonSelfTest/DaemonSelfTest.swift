import Daemon
import Foundation
import Logging

/// A dummy follower under the real `DaemonRunner`, for DaemonTests to start as a process: the
/// properties under test (signals, exit status, a port held by a process) belong to a process.
///
/// Each batch "connects" (failing with a transient error for the first `--outage-ms`, to be
/// waited out by `Retry`), then blocks the loop's thread for `--batch-ms` with `usleep`, as a
/// libpq call would — a signal cannot cut it short — then idles on a `Doorbell` for `--idle-ms`.
/// stdout gets one line per step (`batch 3 started`, `batch 3 completed`, `loop returned`) so the
/// test can tell where a signal landed.
@main
struct DaemonSelfTest {
    struct Options {
        var listen: ListenAddress?
        var batchMilliseconds = 200
        var idleMilliseconds = 50
        var failAt: Int?
        var outageMilliseconds = 0
        var stopTimeoutMilliseconds = 30_000
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Outage: Error, CustomStringConvertible {
        var description: String { "connection refused (a dummy outage)" }
    }

    static func main() {
        let options: Options
        do {
            options = try parse(Array(CommandLine.arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(64)
        }
        let logger = Logger(label: "daemon-selftest") { StreamLogHandler.standardError(label: $0) }
        let status = DaemonStatus(prefix: "selftest", healthThreshold: .seconds(60))
        var runner = DaemonRunner(name: "selftest-loop", listen: options.listen, status: status, logger: logger)
        runner.stopTimeout = .milliseconds(options.stopTimeoutMilliseconds)
        runner.onListening = { bound in say("listening \(bound)") }
        let outcome = runner.runBlocking { stop in
            try loop(options, status: status, stop: stop, logger: logger)
        }
        if let message = outcome.errorMessage {
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        }
        exit(outcome.exitCode)
    }

    static func loop(_ options: Options, status: DaemonStatus, stop: StopToken, logger: Logger) throws {
        let doorbell = Doorbell(stop: stop)
        let retry = Retry(component: "dummy", policy: try BackoffPolicy(initial: .milliseconds(50), maximum: .milliseconds(200)))
        let outageEnds = ContinuousClock.now + .milliseconds(options.outageMilliseconds)
        var batch = 0
        while !stop.isStopRequested {
            try retry.run("connecting to the dummy", status: status, stop: stop, logger: logger, isTransient: { $0 is Outage }) {
                if ContinuousClock.now < outageEnds { throw Outage() }
            }
            batch += 1
            let started = ContinuousClock.now
            say("batch \(batch) started")
            if batch == options.failAt { throw Failure(description: "batch \(batch) failed on purpose") }
            usleep(UInt32(options.batchMilliseconds) * 1_000)
            say("batch \(batch) completed")
            status.batchSucceeded(duration: .now - started)
            if doorbell.wait(upTo: .milliseconds(options.idleMilliseconds)) == .stopped { break }
        }
        say("loop returned")
    }

    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw Failure(description: "\(flag) needs a value") }
            func number() throws -> Int {
                guard let number = Int(value) else { throw Failure(description: "\(flag) takes a number (got \(value))") }
                return number
            }
            switch flag {
            case "--listen": options.listen = try ListenAddress(parsing: value)
            case "--batch-ms": options.batchMilliseconds = try number()
            case "--idle-ms": options.idleMilliseconds = try number()
            case "--fail-at": options.failAt = try number()
            case "--outage-ms": options.outageMilliseconds = try number()
            case "--stop-timeout-ms": options.stopTimeoutMilliseconds = try number()
            default: throw Failure(description: "unknown option \(flag)")
            }
        }
        return options
    }
}
