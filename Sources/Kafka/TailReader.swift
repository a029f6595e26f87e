import CRdKafka
import Foundation
import Synchronization

/// Reads a topic's partitions on and on from given offsets: the source of a follower, which
/// applies whatever arrived, a micro-batch at a time, as long as it runs.
///
/// Like `RangeReader` it reads by explicit offsets on a queue of its own with no `group.id`, so no
/// consumer group is joined or disturbed (a follower commits its progress as a group of its own
/// through `KafkaAdmin.commitOffsets`, without joining). The partitions stay started between
/// batches: librdkafka keeps fetching in the background, and `poll` blocks on the queue's condition
/// variable until a record comes — no busy polling. A partition read to its end is paused and
/// watched by an `EndProbe` until it grows, so an idle follower costs next to nothing even against
/// a broker that does not hold fetches (`idleFetchInterval`).
///
/// Synchronous on purpose: `poll` blocks, so it runs on a thread of its own, never on Swift's
/// cooperative pool. One caller at a time (the follower's loop); `@unchecked Sendable` because
/// the librdkafka handle is thread-safe and the reader's own state is touched only by that caller.
public final class TailReader: @unchecked Sendable {
    public let topic: String
    private let handle: ClientHandle
    private let clientErrors = ClientErrors()
    private let queue: OpaquePointer
    private let topicHandle: OpaquePointer
    /// Per partition, the offset after the last record handed out (or reached as the end).
    private var next: [Int32: Int64] = [:]
    /// Partitions paused at their end (`EndProbe` watches them).
    private var resting: Set<Int32> = []
    /// Per resumed partition, the high watermark the probe saw: it is not paused again before
    /// the reader has read that far (the fetch that brings the records may not have come back).
    private var resumedTo: [Int32: Int64] = [:]
    private let probe: EndProbe
    /// Set by `wake`, so that a poll woken by the probe goes on waiting and one woken for a stop ends.
    private let woken = Atomic<Bool>(false)

    /// How often the high watermark of a partition paused at its end is asked: a record produced
    /// there waits at most this long more to be fetched.
    public static let idleFetchInterval: Duration = .milliseconds(100)

    /// Properties applied before the configuration's. `auto.offset.reset=error` turns a start that
    /// is no longer (or not yet) in the partition into an error instead of a silent jump; the
    /// fetch queue is kept small because a follower's batches are small; a fetch waits up to
    /// half a second on the broker when there is nothing new (a long poll, not a busy one).
    public static let defaultProperties: [(key: String, value: String)] = [
        ("client.id", "backfill-follower"),
        ("enable.partition.eof", "true"),
        ("enable.auto.commit", "false"),
        ("enable.auto.offset.store", "false"),
        ("auto.offset.reset", "error"),
        ("fetch.wait.max.ms", "500"),
        ("fetch.error.backoff.ms", "200"),
        ("max.partition.fetch.bytes", "1048576"),
        ("queued.max.messages.kbytes", "4096"),
        // Fetching stops while this many records wait to be read: a follower busy with a batch
        // (the embedder waiting for its service) does not keep asking for more than its queue
        // holds — at the end of a partition that would be a fetch loop against a broker that
        // does not hold fetches (see `EndProbe`).
        ("queued.min.messages", "100"),
        ("receive.message.max.bytes", "536870912"),
    ]

    /// Starts reading each partition of `start` at its offset.
    public init(configuration: KafkaConfiguration, topic: String, start: [Int32: Int64]) throws {
        self.topic = topic
        handle = try ClientHandle(
            type: RD_KAFKA_CONSUMER,
            properties: Self.defaultProperties + configuration.librdkafkaProperties,
            purpose: "create a follower's reader for \(configuration.brokers)",
            keepAlive: clientErrors, configure: clientErrors.install(on:))
        guard let queue = rd_kafka_queue_new(handle.pointer) else {
            throw KafkaError(code: .init(.librdkafka), message: "rd_kafka_queue_new failed", context: "Kafka could not follow \(topic)")
        }
        guard let topicHandle = rd_kafka_topic_new(handle.pointer, topic, nil) else {
            rd_kafka_queue_destroy(queue)
            throw KafkaError(rd_kafka_last_error(), context: "Kafka could not follow \(topic)")
        }
        self.queue = queue
        self.topicHandle = topicHandle
        probe = EndProbe(handle: handle, topic: topic, queue: queue, interval: Self.idleFetchInterval)
        for (partition, offset) in start.sorted(by: { $0.key < $1.key }) { try add(partition: partition, at: offset) }
    }

    deinit {
        for partition in next.keys { rd_kafka_consume_stop(topicHandle, partition) }
        rd_kafka_topic_destroy(topicHandle)
        probe.stop()  // the probe destroys the queue when it ends
    }

    /// Makes a `poll` waiting on another thread return at once (with what it has): for a stop.
    public func wake() {
        woken.store(true, ordering: .relaxed)
        rd_kafka_queue_yield(queue)
    }

    /// The partitions paused at their end, waiting for the probe to see them grow.
    public var restingPartitions: Set<Int32> { resting }

    /// Per partition, where the records handed out so far end: the offset the next batch starts at.
    public var positions: [Int32: Int64] { next }

    /// Starts reading `partition` at `offset` (for a partition added to the topic while following).
    public func add(partition: Int32, at offset: Int64) throws {
        guard next[partition] == nil else { return }
        if rd_kafka_consume_start_queue(topicHandle, partition, offset, queue) == -1 {
            throw KafkaError(rd_kafka_last_error(), context: "Kafka could not start reading partition \(partition) of \(topic)")
        }
        next[partition] = offset
    }

    /// Waits up to `maxWait` for a record; once one is there, gathers more for up to `linger`
    /// (or until `maxRecords`), and returns them in offset order per partition — an empty array
    /// when nothing arrived. Records before a partition's position (a re-fetch) are not handed
    /// out again.
    ///
    /// Transient trouble (a broker restarting, a leader moving) is waited out by librdkafka and
    /// shows as nothing arriving; a position that is no longer in its partition
    /// (`.offsetOutOfRange`: the topic was recreated or retention deleted it), a topic or partition
    /// that no longer exists, and fatal client errors throw.
    public func poll(maxRecords: Int, maxWait: Duration, linger: Duration) throws -> [KafkaRecord] {
        var records: [KafkaRecord] = []
        var failure: KafkaError?
        let waitEnds = ContinuousClock.now + maxWait
        var arrived: UnsafeMutablePointer<rd_kafka_message_t>?
        while arrived == nil {
            restReadPartitions()
            resumeGrownPartitions()
            arrived = rd_kafka_consume_queue(queue, max(0, (waitEnds - ContinuousClock.now).clampedMilliseconds))
            // Nothing: the wait ended, a stop woke it, or the probe did (then wait on).
            if arrived == nil, woken.exchange(false, ordering: .relaxed) || ContinuousClock.now >= waitEnds { break }
        }
        guard let first = arrived else {
            try checkClient()
            return []
        }
        failure = take(first, into: &records)
        rd_kafka_message_destroy(first)
        if let failure { throw failure }
        let chunk = max(1, min(maxRecords - records.count, 10_000))
        let messages = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(capacity: chunk)
        defer { messages.deallocate() }
        let deadline = ContinuousClock.now + linger
        while records.count < maxRecords {
            let remaining = deadline - ContinuousClock.now
            let wanted = min(chunk, maxRecords - records.count)
            let count = rd_kafka_consume_batch_queue(queue, max(0, remaining.clampedMilliseconds), messages, wanted)
            if count < 0 { throw KafkaError(rd_kafka_last_error(), context: "Kafka could not read \(topic)") }
            for index in 0..<count {
                guard let message = messages[index] else { continue }
                if failure == nil { failure = take(message, into: &records) }
                rd_kafka_message_destroy(message)
            }
            if let failure { throw failure }
            if count < wanted || ContinuousClock.now >= deadline { break }
        }
        restReadPartitions()
        try checkClient()
        return records
    }

    /// The high watermark of each partition as the last fetch response reported it (no request);
    /// nil for a partition nothing was fetched from yet.
    public func cachedHighWatermarks() -> [Int32: Int64] {
        var marks: [Int32: Int64] = [:]
        for partition in next.keys {
            var low: Int64 = -1
            var high: Int64 = -1
            if rd_kafka_get_watermark_offsets(handle.pointer, topic, partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 {
                marks[partition] = high
            }
        }
        return marks
    }

    /// Hands out a record (or notes a partition's end); returns an error that ends the poll.
    private func take(_ message: UnsafeMutablePointer<rd_kafka_message_t>, into records: inout [KafkaRecord]) -> KafkaError? {
        let partition = message.pointee.partition
        let offset = message.pointee.offset
        switch message.pointee.err {
        case RD_KAFKA_RESP_ERR_NO_ERROR:
            guard let position = next[partition], offset >= position else { return nil }
            records.append(KafkaMessage.record(message, topic: topic))
            next[partition] = offset + 1
            return nil
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            // The end may lie past the last record (transaction markers): the next batch starts there.
            if let position = next[partition], offset > position { next[partition] = offset }
            return nil
        case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET, RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
            return KafkaError(message.pointee.err, context: "Kafka could not read partition \(partition) of \(topic)",
                              message: "offset \(next[partition].map(String.init) ?? "?") is not in the partition any more (or not yet): "
                                + "the topic was recreated or truncated, or retention deleted records not yet applied",
                              kind: .offsetOutOfRange)
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
            RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR__FATAL:
            let what = partition >= 0 ? "partition \(partition) of \(topic)" : topic
            return KafkaError(message.pointee.err, context: "Kafka could not read \(what)", message: KafkaMessage.errorText(message))
        default:
            return nil  // transient: librdkafka retries by itself
        }
    }

    /// Pauses the partitions read to the high watermark of their last fetch (and past what the
    /// probe saw when they were resumed), and has the probe watch them.
    private func restReadPartitions() {
        var read: [Int32] = []
        for (partition, position) in next where !resting.contains(partition) && position >= resumedTo[partition] ?? 0 {
            var low: Int64 = -1
            var high: Int64 = -1
            guard rd_kafka_get_watermark_offsets(handle.pointer, topic, partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                  high >= 0, position >= high else { continue }
            read.append(partition)
        }
        guard !read.isEmpty else { return }
        let list = TopicPartitionList(topic: topic, partitions: read.sorted())
        guard rd_kafka_pause_partitions(handle.pointer, list.pointer) == RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        for partition in read {
            resting.insert(partition)
            resumedTo[partition] = nil
            probe.rest(partition, readTo: next[partition]!)
        }
    }

    /// Resumes the paused partitions the probe saw grow. Fetching goes on from the last record
    /// handed out (librdkafka resumes at the application's position; a record fetched again is
    /// not handed out twice: `take`).
    private func resumeGrownPartitions() {
        let grown = probe.takeGrown().filter { resting.contains($0.key) }
        guard !grown.isEmpty else { return }
        let list = TopicPartitionList(topic: topic, partitions: grown.keys.sorted())
        guard rd_kafka_resume_partitions(handle.pointer, list.pointer) == RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        for (partition, high) in grown {
            resting.remove(partition)
            resumedTo[partition] = high
        }
        probe.nudge(Array(grown.keys))
    }

    private func checkClient() throws {
        rd_kafka_poll(handle.pointer, 0)  // serve logs and client-wide errors
        if let fatal = clientErrors.unrecoverable {
            throw KafkaError(code: fatal.code, message: fatal.message, context: "Kafka could not follow \(topic)")
        }
    }
}
