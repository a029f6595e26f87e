import Backfill
import Daemon
import Foundation
import Kafka
import Lifestream
import Logging
import Postgres
import Store
import Synchronization
import TestSupport

/// A follower on a harness's topic: in this process on a thread of its own (so a test can use the
/// mock cluster and the follower's status), or as a `backfill follow` process (for signals).
extension Harness {
    /// Per partition, the offset after the last record produced.
    var producedEnds: [Int32: Int64] {
        Dictionary(produced.map { ($0.partition, $0.offset + 1) }, uniquingKeysWith: max)
    }

    /// The ends of the newest complete run of the state schema (where a follower has got to).
    func followedEnds() throws -> [Int32: Int64] {
        let db = try PostgresConnection.connect(postgres)
        defer { db.close() }
        // Before the follower has made its state schema there is nothing followed yet.
        guard try db.query("select to_regclass($1) is not null", [.text("\(stateSchema).runs")]).scalar == "t" else { return [:] }
        guard let run = try RunLedger(state: StateSchema(name: StateSchema.defaultName(forTarget: target))).newestComplete(db: db) else { return [:] }
        return Dictionary(run.plan.offsetRanges.map { ($0.partition, $0.end) }, uniquingKeysWith: max)
    }

    /// Whether the follower has applied every record produced so far.
    func caughtUp() -> Bool {
        let produced = producedEnds
        guard let followed = try? followedEnds() else { return false }
        return produced.allSatisfy { followed[$0.key] ?? 0 >= $0.value }
    }

    /// Unfinished runs of the state schema.
    func unfinishedRuns() throws -> Int {
        guard try scalar("select to_regclass($1) is not null", [.text("\(stateSchema).runs")]) == "t" else { return 0 }
        return Int(try scalar("select count(*) from \(stateSchema).runs where status in ('ingesting', 'ingested')") ?? "") ?? -1
    }

    func followOptions(fromBeginning: Bool = true, maxBatchRecords: Int = 500) -> FollowOptions {
        var run = options(bounds: RunBounds(start: .beginning, end: .latest))
        run.lockWait = 5
        var options = FollowOptions(run: run, startsWhereStateEnded: !fromBeginning)
        options.maxBatchRecords = maxBatchRecords
        options.minInterval = .milliseconds(50)
        options.idleWait = .milliseconds(200)
        return options
    }

    /// `backfill follow` of this topic into the target as a process of its own.
    func launchFollower(_ extra: [String] = ["--from-beginning"]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try CLIProcess.executable())
        process.arguments = ["follow", "--topic", topic, "--target-schema", target, "--manifest-dir", manifestDirectory,
                             "--min-interval", "50ms", "--max-batch-records", "500", "--lock-wait", "5", "--quiet"] + extra
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = postgres.url
        environment["KAFKA_BROKERS"] = kafka.brokers
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = Pipe()
        try process.run()
        return process
    }
}

/// A follower running in this process until `stop`.
final class FollowerThread: Sendable {
    let stop = StopToken()
    let status = DaemonStatus(prefix: "backfill_follow", healthThreshold: .seconds(60))
    private let done = DispatchSemaphore(value: 0)
    private let failure = Mutex<(any Error)?>(nil)

    init(_ harness: Harness, options: FollowOptions) {
        let follower = Follower(kafka: harness.kafka, postgres: harness.postgres, options: options,
                                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, status: status)
        let thread = Thread { [self] in
            defer { done.signal() }
            do { try follower.run(stop: stop) } catch { failure.withLock { $0 = error } }
        }
        thread.start()
    }

    /// Stops the follower and waits for it; returns the error it ended with, if any.
    @discardableResult
    func stopAndJoin() -> (any Error)? {
        stop.requestStop("test")
        done.wait()
        return failure.withLock { $0 }
    }

    /// The error the follower ended with, once it has ended by itself.
    var endedWith: (any Error)? { failure.withLock { $0 } }
}
