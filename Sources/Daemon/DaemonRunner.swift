import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Runs a follower: its blocking work loop on a thread of its own, the status server beside it
/// (when `--listen` was given), and the process's answer to SIGTERM and SIGINT.
///
/// - The status server binds first; if it cannot, the loop never starts and the outcome is
///   `.cannotListen` (exit 2), so a typo in `--listen` costs no batch.
/// - The first SIGTERM/SIGINT asks the loop to stop (`StopToken`): it finishes or rolls back the
///   batch in flight and returns; then the server shuts down and the outcome is `.stopped` (exit 0).
///   Waits watching the token end at once, so an idle or backing-off follower stops in
///   milliseconds.
/// - A second signal during that exits at once with 128 + the signal's number: the operator
///   insisted, and the batch in flight rolls back in the database. So does a loop that has not
///   returned `stopTimeout` after the first signal (exit 2).
/// - A loop that throws ends as `.failed` (exit 2, the error's sentence); one that throws
///   `StopRequested` after a stop ends as `.stopped`.
///
/// ServiceLifecycle's `ServiceGroup` orders it: services start together, and shut down in reverse
/// order, the loop before the server, so `/metrics` answers until the last batch is counted.
/// Signals are watched here rather than by the group, which ignores a second one.
public struct DaemonRunner: Sendable {
    /// Names the loop's thread and the log lines: `follow`, `embed-follow`.
    public var name: String
    public var listen: ListenAddress?
    public var status: DaemonStatus
    public var stop: StopToken
    public var logger: Logger
    /// How long after the first signal the loop may take to return before the process exits anyway.
    public var stopTimeout: Duration = .seconds(30)
    /// Off in tests that run several daemons in one process and stop them through `stop`.
    public var handlesSignals = true
    /// Learns the bound address (the real port for port 0) once the server listens.
    public var onListening: @Sendable (ListenAddress) async -> Void = { _ in }

    public init(name: String, listen: ListenAddress?, status: DaemonStatus, stop: StopToken = StopToken(), logger: Logger) {
        self.name = name
        self.listen = listen
        self.status = status
        self.stop = stop
        self.logger = logger
    }

    /// Runs until the loop returns; blocks the calling thread (a synchronous command's `run()`).
    public func runBlocking(_ work: @escaping @Sendable (StopToken) throws -> Void) -> DaemonOutcome {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<DaemonOutcome?>(nil)
        Task {
            let ended = await run(work)
            outcome.withLock { $0 = ended }
            done.signal()
        }
        done.wait()
        return outcome.withLock { $0 } ?? .failed(DaemonError(.stopTimeout, "the daemon ended without an outcome"))
    }

    public func run(_ work: @escaping @Sendable (StopToken) throws -> Void) async -> DaemonOutcome {
        // Trap the signals before anything starts, so none arrives to the default action.
        let signals = handlesSignals ? await UnixSignalsSequence(trapping: .sigterm, .sigint) : nil
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        let listening = Mutex(false)
        let loop = WorkLoopService(name: name, stop: stop, ready: ready, work: work)

        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let listen {
            let onListening = onListening
            let server = StatusServer(address: listen, status: status, logger: logger).service { bound in
                listening.withLock { $0 = true }
                await onListening(bound)
                readyContinuation.finish()
            }
            services.append(.init(service: server))
        } else {
            readyContinuation.finish()
        }
        services.append(.init(service: loop, successTerminationBehavior: .gracefullyShutdownGroup,
                              failureTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(services: services, logger: quiet))

        let groupError: (any Error)? = await withTaskGroup(of: GroupEvent.self) { tasks in
            tasks.addTask {
                do { try await group.run() } catch { return .ended(error) }
                return .ended(nil)
            }
            if let signals {
                tasks.addTask {
                    await watch(signals, group: group)
                    return .watcherEnded
                }
            }
            for await event in tasks {
                if case .ended(let error) = event {
                    tasks.cancelAll()
                    return error
                }
            }
            return nil
        }

        switch loop.outcome {
        case nil:
            let listenedOK = listening.withLock { $0 }
            if let listen, let groupError, !listenedOK { return .cannotListen(StatusServer.listenError(listen, groupError)) }
            return .failed(groupError ?? DaemonError(.listen, "the status server stopped before the work loop started"))
        case .success:
            if let groupError { return .failed(groupError) }
            return stop.reason.map { .stopped(reason: $0) } ?? .finished
        case .failure(let error as StopRequested):
            return .stopped(reason: error.reason)
        case .failure(let error):
            return .failed(error)
        }
    }

    private enum GroupEvent: Sendable {
        case ended((any Error)?)
        case watcherEnded
    }

    /// First signal: stop gracefully, and arm the stop timeout. Second: exit at once.
    private func watch(_ signals: UnixSignalsSequence, group: ServiceGroup) async {
        await withTaskGroup(of: Void.self) { timers in
            var caught = 0
            for await signal in signals {
                caught += 1
                let name = "\(signal)"
                if caught > 1 {
                    Self.exitNow(128 + signal.rawValue, "a second \(name) while stopping: exiting at once; the batch in flight rolls back")
                }
                logger.notice("\(name): stopping after the batch in flight (send \(name) again to exit at once)")
                stop.requestStop(name)
                await group.triggerGracefulShutdown()
                let timeout = stopTimeout
                timers.addTask {
                    try? await Task.sleep(for: timeout)
                    if !Task.isCancelled {
                        Self.exitNow(2, "the work loop did not stop within \(timeout.spoken) of \(name): exiting at once; the batch in flight rolls back")
                    }
                }
            }
            timers.cancelAll()
        }
    }

    private static func exitNow(_ code: Int32, _ sentence: String) -> Never {
        FileHandle.standardError.write(Data("error: \(sentence)\n".utf8))
        exit(code)
    }
}

/// How a daemon ended, and the exit status it maps to (the tool's: 0 done, 2 error).
public enum DaemonOutcome: Sendable {
    /// The loop returned by itself (a bounded run reached its end).
    case finished
    /// A stop was asked for (`reason`: `SIGTERM`, …) and the loop returned.
    case stopped(reason: String)
    /// The loop threw.
    case failed(any Error)
    /// The status server could not bind; the loop never started.
    case cannotListen(DaemonError)

    public var exitCode: Int32 {
        switch self {
        case .finished, .stopped: 0
        case .failed, .cannotListen: 2
        }
    }

    /// The sentence to print after `error: ` when the exit status is not 0.
    public var errorMessage: String? {
        switch self {
        case .finished, .stopped: nil
        case .failed(let error): "\(error)"
        case .cannotListen(let error): error.message
        }
    }
}
