import Daemon
import Dispatch
import Synchronization

/// What a worker hands to the committer for one batch.
enum BatchOutcome: Sendable {
    case embedded(FollowBatch, BatchEmbedder.Output)
    /// A stop came while the service was failing: the batch was given up, and nothing after it
    /// may commit (its positions would skip this batch's records).
    case abandoned(sequence: Int)
}

/// The hand-offs of one follow session, between the loop (which reads and cuts batches), the
/// workers (which embed them, side by side) and the committer (which writes them, one at a
/// time, in the order they were cut).
///
/// It also knows which ids are in flight — embedded or waiting in a batch not yet committed —
/// with their newest text, so the loop can tell "current" for an id whose row is about to
/// change: without that, a text edited back to what the table holds while the edit is in flight
/// would be skipped, and the edit would win.
///
/// State lives in one `Mutex`; the waits park on a semaphore (workers) or a `Doorbell`
/// (committer, loop), so nothing spins. `fail` wakes everyone.
final class FollowPipeline: Sendable {
    struct InFlight: Sendable {
        var text: String
        var sequence: Int
    }

    private struct State {
        var queue: [FollowBatch] = []
        var outcomes: [Int: BatchOutcome] = [:]
        var inFlight: [String: InFlight] = [:]
        var pushed = 0
        var nextCommit = 0
        var closed = false
        var halted = false
        var failure: (any Error)?
    }

    let capacity: Int
    let workerCount: Int
    /// Requested on failure: ends the committer's and the loop's waits.
    let abort = StopToken()
    /// What workers' retries watch: a failure of the session, or the process being stopped.
    let workerStop = StopToken()
    private let state = Mutex(State())
    private let work = DispatchSemaphore(value: 0)
    private let outcomeBell: Doorbell
    private let roomBell: Doorbell

    init(capacity: Int, workers: Int, processStop: StopToken) {
        self.capacity = max(1, capacity)
        self.workerCount = workers
        outcomeBell = Doorbell(stop: abort)
        roomBell = Doorbell(stop: abort)
        let workerStop = workerStop
        abort.onStop { workerStop.requestStop("session failed") }
        processStop.onStop { workerStop.requestStop("stop") }
    }

    // MARK: Loop side

    var failure: (any Error)? { state.withLock { $0.failure } }

    /// Batches cut and not yet committed (or given up).
    var outstanding: Int { state.withLock { $0.pushed - $0.nextCommit } }

    /// The newest text of `id` in a batch not yet committed, if any.
    func inFlightTexts(_ ids: [String]) -> [String: String] {
        state.withLock { state in
            var found: [String: String] = [:]
            for id in ids { if let entry = state.inFlight[id] { found[id] = entry.text } }
            return found
        }
    }

    /// Queues `batch` for the workers, waiting while `capacity` batches wait already. Throws the
    /// session's failure if there is one; returns false, the batch not queued, when a stop comes
    /// while it waits (its records are read again at the next start).
    @discardableResult
    func push(_ batch: FollowBatch) throws -> Bool {
        var registered = false
        while true {
            let outcome: Result<Bool, any Error> = state.withLock { state in
                if let failure = state.failure { return .failure(failure) }
                if registered, workerStop.isStopRequested { return .success(false) }
                if !registered {
                    for message in batch.toEmbed { state.inFlight[message.id] = InFlight(text: message.text, sequence: batch.sequence) }
                    registered = true
                }
                guard state.queue.count < capacity else { return .success(false) }
                state.queue.append(batch)
                state.pushed += 1
                return .success(true)
            }
            if try outcome.get() {
                work.signal()
                return true
            }
            if workerStop.isStopRequested { return false }
            _ = roomBell.wait(upTo: .milliseconds(200))
        }
    }

    /// No more batches: workers end when the queue is empty, the committer when all are written.
    func close() {
        let first = state.withLock { state -> Bool in
            defer { state.closed = true }
            return !state.closed
        }
        guard first else { return }
        for _ in 0..<workerCount { work.signal() }
        outcomeBell.ring()
    }

    /// The first failure ends the session: everyone's waits end and they return.
    func fail(_ error: any Error) {
        let first = state.withLock { state -> Bool in
            guard state.failure == nil else { return false }
            state.failure = error
            return true
        }
        guard first else { return }
        abort.requestStop("failed")
        for _ in 0..<workerCount { work.signal() }
    }

    // MARK: Worker side

    /// The next batch to embed; nil when the session ends.
    func take() -> FollowBatch? {
        while true {
            work.wait()
            let (batch, end) = state.withLock { state -> (FollowBatch?, Bool) in
                if state.failure != nil { return (nil, true) }
                if !state.queue.isEmpty { return (state.queue.removeFirst(), false) }
                return (nil, state.closed)
            }
            if let batch {
                roomBell.ring()
                return batch
            }
            if end { return nil }
        }
    }

    func finish(_ outcome: BatchOutcome) {
        let sequence: Int
        switch outcome {
        case .embedded(let batch, _): sequence = batch.sequence
        case .abandoned(let number): sequence = number
        }
        state.withLock { $0.outcomes[sequence] = outcome }
        outcomeBell.ring()
    }

    // MARK: Committer side

    /// The next batch in cut order, once embedded; nil when the session ends (closed and all
    /// written, failed, or halted at a batch that was given up).
    func nextToCommit() -> (FollowBatch, BatchEmbedder.Output)? {
        while true {
            let next = state.withLock { state -> (FollowBatch, BatchEmbedder.Output)?? in
                if state.failure != nil || state.halted { return .some(nil) }
                if let outcome = state.outcomes.removeValue(forKey: state.nextCommit) {
                    switch outcome {
                    case .embedded(let batch, let output): return .some((batch, output))
                    case .abandoned:
                        state.halted = true
                        return .some(nil)
                    }
                }
                if state.closed && state.nextCommit == state.pushed { return .some(nil) }
                return nil
            }
            if let next { return next }
            _ = outcomeBell.wait(upTo: .seconds(1))
        }
    }

    /// `batch` is in the table: its ids are no longer in flight (unless a later batch has them).
    func committed(_ batch: FollowBatch) {
        state.withLock { state in
            state.nextCommit += 1
            for message in batch.toEmbed where state.inFlight[message.id]?.sequence == batch.sequence {
                state.inFlight.removeValue(forKey: message.id)
            }
        }
        roomBell.ring()
    }
}
