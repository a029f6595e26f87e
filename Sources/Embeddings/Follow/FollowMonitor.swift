import Daemon
import Foundation
import Kafka
import Logging
import Synchronization

/// The follower's look at the topic from the side, on threads of their own so that a broker
/// that does not answer never holds up a batch:
///
/// - one commits the consumer group (without joining it) to the offsets committed with the
///   rows, at most every `groupInterval` and once more at the end, so `backfill lag --group …`
///   shows the follower; the table stays the truth (a group commit lost in a crash only trails);
/// - the other measures lag per partition (high watermark − committed, and the age of the
///   oldest record read but not committed) and texts per second, and notices partitions added
///   to the topic for the loop to follow. Each tick asks for the topic's metadata, which times
///   out in 2 s, so Kafka's state shows at once as the `kafka` component: down while it fails.
///   The high watermarks come from the reader's fetch answers (no request) while it reads;
///   asking a partition's leader for them blocks far past any timeout while that broker is
///   down, and so does a group commit — hence the group's own thread.
final class FollowMonitor: Sendable {
    let kafka: KafkaConfiguration
    let topic: String
    let group: String
    let progress: FollowProgress
    let metrics: FollowMetrics
    let interval: Duration
    let groupInterval: Duration
    let logger: Logger
    private let finishing = StopToken()
    private let lagBell: Doorbell
    private let groupBell: Doorbell
    private let done = DispatchSemaphore(value: 0)
    private let started = Mutex(false)

    init(kafka: KafkaConfiguration, topic: String, group: String, progress: FollowProgress, metrics: FollowMetrics,
         interval: Duration, groupInterval: Duration = .seconds(5), logger: Logger) {
        self.kafka = kafka
        self.topic = topic
        self.group = group
        self.progress = progress
        self.metrics = metrics
        self.interval = interval
        self.groupInterval = groupInterval
        self.logger = logger
        lagBell = Doorbell(stop: finishing)
        groupBell = Doorbell(stop: finishing)
    }

    func start() {
        let first = started.withLock { started -> Bool in
            defer { started = true }
            return !started
        }
        guard first else { return }
        for (name, body) in [("embed-follow-lag", watchLag), ("embed-follow-group", commitGroup)] as [(String, @Sendable () -> Void)] {
            let thread = Thread { [done] in
                body()
                done.signal()
            }
            thread.name = name
            thread.start()
        }
    }

    /// Commits the group one last time and waits for the threads (at most a few seconds).
    func finish() {
        guard started.withLock({ $0 }) else { return }
        finishing.requestStop("finish")
        for _ in 0..<2 { _ = done.wait(timeout: .now() + 15) }
    }

    private func commitGroup() {
        var admin: KafkaAdmin?
        var lastCommitted: [Int32: Int64] = [:]
        var failing = false
        while true {
            let ending = groupBell.wait(upTo: groupInterval) == .stopped
            let committed = progress.committed
            guard !committed.isEmpty, committed != lastCommitted else {
                if ending { return }
                continue
            }
            do {
                let client = try admin ?? KafkaAdmin(configuration: kafka)
                admin = client
                try client.commitOffsets(group: group, topic: topic, offsets: committed, timeout: .seconds(5))
                lastCommitted = committed
                if failing { logger.notice("consumer group \(group) committed again") }
                failing = false
            } catch {
                if ending {
                    logger.warning("the last commit of consumer group \(group) failed; it trails the table until the next start", metadata: ["error": "\(error)"])
                } else if !failing {
                    logger.warning("committing consumer group \(group) failed; trying again (the table's checkpoint is unaffected)", metadata: ["error": "\(error)"])
                }
                failing = true
            }
            if ending { return }
        }
    }

    private func watchLag() {
        var admin: KafkaAdmin?
        var failing = false
        while lagBell.wait(upTo: interval) != .stopped {
            metrics.sampleRate()
            do {
                let client = try admin ?? KafkaAdmin(configuration: kafka)
                admin = client
                let partitions = try client.partitions(topic: topic, timeout: .seconds(2))
                let committed = progress.committed
                try findNewPartitions(client, partitions, known: committed)
                try measureLag(client, committed: committed)
                if failing { logger.notice("Kafka answers again") }
                failing = false
                metrics.status.markUp(EmbedFollower.kafkaComponent)
            } catch {
                metrics.status.markDown(EmbedFollower.kafkaComponent, reason: "\(error)")
                metrics.status.countRetry(EmbedFollower.kafkaComponent)
                if !failing {
                    logger.warning("reading the watermarks of \(topic) failed; Kafka may be down, the follower waits for it", metadata: ["error": "\(error)"])
                }
                failing = true
            }
        }
    }

    private func measureLag(_ admin: KafkaAdmin, committed: [Int32: Int64]) throws {
        let oldest = progress.oldestUnapplied()
        let nowMS = Int64(Date().timeIntervalSince1970 * 1_000)
        let seen = progress.recentHighWatermarks(maxAge: .seconds(5))
        for (partition, position) in committed.sorted(by: { $0.key < $1.key }) {
            let high = try seen?[partition] ?? admin.watermarks(topic: topic, partition: partition, timeout: .seconds(2)).high
            let records = max(0, high - position)
            let seconds: Double? = if let timestamp = oldest[partition] {
                Double(max(0, nowMS - timestamp)) / 1_000
            } else if records == 0 {
                0
            } else {
                nil
            }
            metrics.status.setLag(partition: partition, records: records, seconds: seconds)
        }
    }

    private func findNewPartitions(_ admin: KafkaAdmin, _ partitions: [Int32], known: [Int32: Int64]) throws {
        guard !known.isEmpty else { return }
        for partition in partitions where known[partition] == nil {
            let low = try admin.watermarks(topic: topic, partition: partition, timeout: .seconds(2)).low
            logger.notice("partition \(partition) was added to \(topic); following it from offset \(low)")
            progress.add(partition: partition, at: low)
        }
    }
}
