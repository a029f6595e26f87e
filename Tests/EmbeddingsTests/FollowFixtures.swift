import Daemon
import Embeddings
import Foundation
import Kafka
import Logging
import Postgres
import Store
import Synchronization
import Telemetry
import TestSupport

/// `EmbedFollower.run` on a thread of its own, as `DaemonRunner` runs it, stopped through its
/// token; its status (health, metrics) readable while it runs.
final class RunningFollower: Sendable {
    let stop = StopToken()
    let status: DaemonStatus
    private let outcome = Mutex<Result<Void, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ harness: EmbedHarness, source: any EmbeddingSource, options: FollowOptions, postgres: PostgresConfiguration? = nil,
         kafka: KafkaConfiguration? = nil) {
        status = DaemonStatus(prefix: EmbedFollower.metricPrefix, healthThreshold: .seconds(60))
        let follower = EmbedFollower(kafka: kafka ?? harness.kafka, postgres: postgres ?? harness.postgres, source: source, status: status,
                                     logger: Self.logger)
        let thread = Thread { [self] in
            let result = Result { try follower.run(options, stop: stop) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        thread.name = "follow-test"
        thread.start()
    }

    /// Silent, unless FOLLOW_TEST_LOG is set (then on stderr, for looking into a failure).
    static var logger: Logger {
        guard ProcessInfo.processInfo.environment["FOLLOW_TEST_LOG"] != nil else {
            return Logger(label: "follow-test") { _ in SwiftLogNoOpLogHandler() }
        }
        var logger = Logger(label: "follow-test") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .debug
        return logger
    }

    /// Asks it to stop and waits for it; rethrows what it threw.
    func stopAndWait(seconds: Double = 60) throws {
        stop.requestStop("test")
        try wait(seconds: seconds)
    }

    /// Waits for it to end by itself (a failure); rethrows what it threw.
    func wait(seconds: Double) throws {
        guard done.wait(timeout: .now() + seconds) == .success else { throw FollowTimeout(seconds: seconds) }
        done.signal()
        try outcome.withLock { $0 }!.get()
    }

    var hasEnded: Bool { outcome.withLock { $0 != nil } }

    /// The Prometheus text the status server would serve.
    var metrics: String { Exposition.text(status.registry) }

    /// The value of one series in `metrics` (`name{labels}`), or nil.
    func metric(_ series: String) -> Double? {
        metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }
}

struct FollowTimeout: Error, CustomStringConvertible {
    var seconds: Double
    var description: String { "the follower did not end within \(seconds) s" }
}

extension EmbedHarness {
    /// Follower settings for tests: short waits and backoffs, so outages are noticed quickly.
    func followOptions(batchSize: Int = 16, concurrency: Int = 2, start: RunBounds.Start? = .beginning) -> FollowOptions {
        var options = FollowOptions()
        options.topic = topic
        options.table = table
        options.start = start
        options.batchSize = batchSize
        options.concurrency = concurrency
        options.linger = .milliseconds(50)
        options.idleWait = .milliseconds(200)
        options.monitorInterval = .milliseconds(200)
        options.lockWait = 5
        options.backoff = try! BackoffPolicy(initial: .milliseconds(100), maximum: .seconds(1))
        options.serviceBackoff = try! BackoffPolicy(initial: .milliseconds(100), maximum: .seconds(1))
        options.retry = RetryPolicy(maxRetries: 1, initialDelay: 0.05, maxDelay: 0.2, maxRetryAfter: 1)
        return options
    }

    /// The follower's checkpoint: partition → next offset.
    func checkpoint() throws -> [Int32: Int64] {
        let db = try connect()
        defer { db.close() }
        let exists = try db.query("select to_regclass($1) is not null", [.text(table.progress)]).scalar == "t"
        guard exists else { return [:] }
        let result = try db.query("select partition, next_offset from \(table.progress) where topic = $1", [.text(topic)])
        return Dictionary(uniqueKeysWithValues: (0..<result.rowCount).map { (Int32(result[$0, 0]!)!, Int64(result[$0, 1]!)!) })
    }

    /// The topic's end per partition.
    func highWatermarks() throws -> [Int32: Int64] {
        let admin = try KafkaAdmin(configuration: kafka)
        var marks: [Int32: Int64] = [:]
        for partition in try admin.partitions(topic: topic) { marks[partition] = try admin.watermarks(topic: topic, partition: partition).high }
        return marks
    }

    /// True once the checkpoint has reached the end of every partition.
    func caughtUp() throws -> Bool {
        let checkpoint = try checkpoint()
        return try highWatermarks().allSatisfy { checkpoint[$0.key] == $0.value }
    }

    /// id → (text, embedded_at as text) of every row.
    func rowsWithTimes() throws -> [String: (text: String, embeddedAt: String)] {
        let db = try connect()
        defer { db.close() }
        let result = try db.query("select id, text, embedded_at::text from \(table.qualified)")
        var rows: [String: (text: String, embeddedAt: String)] = [:]
        for r in 0..<result.rowCount { rows[result[r, 0]!] = (result[r, 1]!, result[r, 2]!) }
        return rows
    }

    func rowCount() throws -> Int {
        let db = try connect()
        defer { db.close() }
        guard try db.query("select to_regclass($1) is not null", [.text(table.qualified)]).scalar == "t" else { return 0 }
        return Int(try db.query("select count(*) from \(table.qualified)").scalar ?? "0") ?? 0
    }
}

/// Writes text messages at a steady pace on a thread, remembering the newest text per id: the
/// stream a follower must end up agreeing with.
final class PacedProducer: Sendable {
    struct Step: Sendable {
        var partition: Int32
        var value: [UInt8]?
        /// (id, text) when the value is a valid message.
        var message: (id: String, text: String)?
    }

    private let newest = Mutex<[String: String]>([:])
    private let produced = Mutex(0)
    private let done = DispatchSemaphore(value: 0)

    /// Produces `steps` at `perSecond`.
    init(_ harness: EmbedHarness, steps: [Step], perSecond: Double) throws {
        let producer = try KafkaProducer(configuration: harness.kafka, extra: ["linger.ms": "5"])
        let topic = harness.topic
        let thread = Thread { [self] in
            let start = Date()
            for (index, step) in steps.enumerated() {
                let due = start.addingTimeInterval(Double(index) / perSecond)
                if due > Date() { Thread.sleep(until: due) }
                try? producer.send(topic: topic, partition: step.partition, key: step.message.map { Array($0.id.utf8) }, value: step.value)
                if let message = step.message { newest.withLock { $0[message.id] = message.text } }
                produced.withLock { $0 += 1 }
                if index % 20 == 0 { try? producer.flush() }
            }
            try? producer.flush()
            done.signal()
        }
        thread.start()
    }

    var count: Int { produced.withLock { $0 } }

    /// Waits until every step is produced; the newest text per id.
    func finish() -> [String: String] {
        done.wait()
        done.signal()
        return newest.withLock { $0 }
    }

}

extension PacedProducer.Step {
    static func message(_ id: String, _ text: String, partition: Int32) -> Self {
        let object = ["id": id, "text": text]
        let value = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Self(partition: partition, value: [UInt8](value), message: (id, text))
    }

    static func raw(_ text: String?, partition: Int32) -> Self {
        Self(partition: partition, value: text.map { Array($0.utf8) }, message: nil)
    }
}
