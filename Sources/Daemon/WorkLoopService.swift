import Foundation
import ServiceLifecycle
import Synchronization

/// The follower's loop as a ServiceLifecycle `Service`, run on a thread of its own.
///
/// The loop blocks in libpq and librdkafka; a blocked call on Swift's cooperative pool would take
/// one of its two threads (on this machine) away from the status server and everything else
/// async. So the service only *awaits* a dedicated `Thread`, and a graceful shutdown or a
/// cancellation reaches the loop the one way a blocking loop can hear it: the `StopToken`.
final class WorkLoopService: Service {
    let name: String
    let stop: StopToken
    let work: @Sendable (StopToken) throws -> Void
    /// Finishes when the loop may start: the status server is listening (or there is none).
    let ready: AsyncStream<Void>
    private let result = Mutex<Result<Void, any Error>?>(nil)

    init(name: String, stop: StopToken, ready: AsyncStream<Void>, work: @escaping @Sendable (StopToken) throws -> Void) {
        self.name = name
        self.stop = stop
        self.ready = ready
        self.work = work
    }

    /// How the loop ended; nil when it never started (the status server could not listen).
    var outcome: Result<Void, any Error>? { result.withLock { $0 } }

    func run() async throws {
        for await _ in ready {}
        // Cancelled before the server listened: it failed to bind, and the loop must not start.
        if Task.isCancelled { return }
        let stop = stop
        let ended = await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await Self.onThread(name: name, stop: stop, work: work)
            } onCancel: {
                stop.requestStop("cancelled")
            }
        } onGracefulShutdown: {
            stop.requestStop("shutdown")
        }
        result.withLock { $0 = ended }
    }

    /// Runs `work` on a new thread and resumes when it returns or throws.
    static func onThread(name: String, stop: StopToken, work: @escaping @Sendable (StopToken) throws -> Void) async -> Result<Void, any Error> {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Result { try work(stop) })
            }
            thread.name = name
            thread.start()
        }
    }
}
