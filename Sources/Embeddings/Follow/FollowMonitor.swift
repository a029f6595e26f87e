import Daemon
import Foundation
import Kafka
import Logging
import Synchronization

/// The follower's look at the topic from the side, on a thread of its own so that a broker that
/// does not answer never holds up a batch:
///
/// - commits the consumer group (without joining it) to the offsets committed with the rows,
///   at most every `groupInterval` and once more at the end, so `backfill lag --group …` shows
///   the follower; the table stays the truth (a group commit lost in a crash only trails);
/// - measures lag per partition (high watermark − committed, and the age of the oldest record
///   read but not committed) and texts per second;
/// - notices partitions added to the topic (every 30 s) and hands them to the loop.
///
/// Kafka's state shows as the `kafka` component: down while its requests fail.
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
    private let bell: Doorbell
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
        bell = Doorbell(stop: finishing)
    }

    func start() {
        let first = started.withLock { started -> Bool in
            defer { started = true }
            return !started
        }
        guard first else { return }
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "embed-follow-monitor"
        thread.start()
    }

    /// Commits the group one last time and waits for the thread (at most a few seconds).
    func finish() {
        guard started.withLock({ $0 }) else { return }
        finishing.requestStop("finish")
        _ = done.wait(timeout: .now() + 15)
    }

    private func run() {
        var admin: KafkaAdmin?
        var lastCommitted: [Int32: Int64] = [:]
        var lastGroupCommit = ContinuousClock.now - groupInterval
        var lastPartitionCheck = ContinuousClock.now
        var kafkaFailing = false
        func kafkaFailed(_ what: String, _ error: any Error) {
            metrics.status.markDown(EmbedFollower.kafkaComponent, reason: "\(error)")
            metrics.status.countRetry(EmbedFollower.kafkaComponent)
            if !kafkaFailing {
                logger.warning("\(what) failed; Kafka may be down, trying again", metadata: ["error": "\(error)"])
            }
            kafkaFailing = true
        }
        func kafkaAnswered() {
            if kafkaFailing { logger.notice("Kafka answers again") }
            kafkaFailing = false
            metrics.status.markUp(EmbedFollower.kafkaComponent)
        }
        while true {
            let ending = bell.wait(upTo: interval) == .stopped
            metrics.sampleRate()
            do {
                let client = try admin ?? KafkaAdmin(configuration: kafka)
                admin = client
                let committed = progress.committed
                if !committed.isEmpty, committed != lastCommitted, ending || ContinuousClock.now - lastGroupCommit >= groupInterval {
                    try client.commitOffsets(group: group, topic: topic, offsets: committed, timeout: .seconds(5))
                    lastCommitted = committed
                    lastGroupCommit = .now
                }
                if ending { return }
                try measureLag(client, committed: committed)
                if ContinuousClock.now - lastPartitionCheck >= .seconds(30) {
                    lastPartitionCheck = .now
                    try findNewPartitions(client, known: committed)
                }
                kafkaAnswered()
            } catch {
                if ending {
                    logger.warning("the last commit of consumer group \(group) failed; it trails the table until the next start", metadata: ["error": "\(error)"])
                    return
                }
                kafkaFailed("committing consumer group \(group) or reading the watermarks of \(topic)", error)
            }
        }
    }

    private func measureLag(_ admin: KafkaAdmin, committed: [Int32: Int64]) throws {
        let oldest = progress.oldestUnapplied()
        let nowMS = Int64(Date().timeIntervalSince1970 * 1_000)
        for (partition, position) in committed.sorted(by: { $0.key < $1.key }) {
            let marks = try admin.watermarks(topic: topic, partition: partition, timeout: .seconds(2))
            let records = max(0, marks.high - position)
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

    private func findNewPartitions(_ admin: KafkaAdmin, known: [Int32: Int64]) throws {
        for partition in try admin.partitions(topic: topic, timeout: .seconds(5)) where known[partition] == nil {
            let low = try admin.watermarks(topic: topic, partition: partition, timeout: .seconds(2)).low
            logger.notice("partition \(partition) was added to \(topic); following it from offset \(low)")
            progress.add(partition: partition, at: low)
        }
    }
}
