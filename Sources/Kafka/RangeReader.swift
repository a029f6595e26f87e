import CRdKafka
import Foundation
import Synchronization

/// Reads exact offset ranges of one topic, the core of a backfill: every record with an offset in
/// `[start, end)` of each range, once, in offset order per partition.
///
/// It consumes by explicit start offsets on a queue of its own (librdkafka's queue consumer API)
/// with no `group.id` at all: no consumer group is joined, committed to or otherwise disturbed, so
/// a backfill can run beside the production consumers of the same topic. (librdkafka's
/// `rd_kafka_assign` would need a `group.id`; the queue consumer reads the same way without one.)
///
/// Synchronous on purpose: polling blocks, so callers run it on a thread of their own, never on
/// Swift's cooperative pool. Sendable: the librdkafka handle is thread-safe and concurrent `read`
/// calls are serialised by a `Mutex` (one read at a time per reader).
public final class RangeReader: Sendable {
    private let handle: ClientHandle
    private let clientErrors = ClientErrors()
    private let reading = Mutex(())

    /// Properties applied before the configuration's, which may override them.
    /// `auto.offset.reset=error` turns a missing offset (deleted by retention) into an error
    /// instead of a silent jump; partition EOF events tell where the data ends.
    /// Memory: a fetch response stays allocated until its last record is consumed. Kafka keeps a
    /// response within `fetch.max.bytes` and each partition within `max.partition.fetch.bytes`
    /// (a larger single record is still returned); the prefetch queue, which is per partition, is
    /// small because the consumer of the batches (PostgreSQL) is slower than the broker.
    /// Some Kafka-protocol brokers ignore the fetch limits (noida answered 100 MB to a 16 MiB
    /// request), so a response may be larger than asked for: `receive.message.max.bytes` accepts it
    /// rather than failing the read.
    public static let defaultProperties: [(key: String, value: String)] = [
        ("client.id", "backfill-range-reader"),
        ("enable.partition.eof", "true"),
        ("enable.auto.commit", "false"),
        ("enable.auto.offset.store", "false"),
        ("auto.offset.reset", "error"),
        ("fetch.max.bytes", "16777216"),
        ("max.partition.fetch.bytes", "1048576"),
        ("receive.message.max.bytes", "536870912"),
        ("fetch.wait.max.ms", "100"),
        ("queued.min.messages", "50000"),
        ("queued.max.messages.kbytes", "2048"),
    ]

    public init(configuration: KafkaConfiguration) throws {
        handle = try ClientHandle(
            type: RD_KAFKA_CONSUMER,
            properties: Self.defaultProperties + configuration.librdkafkaProperties,
            purpose: "create a range reader for \(configuration.brokers)",
            keepAlive: clientErrors, configure: clientErrors.install(on:))
    }

    /// Delivers the records of all `ranges` (of one topic) in batches of up to `batchSize`, in offset
    /// order per partition, exactly `[start, end)` each, and returns when every range is complete.
    /// Ranges whose start >= end are skipped.
    ///
    /// Transient broker trouble (disconnects, leader changes, request errors) is waited out while
    /// librdkafka reconnects and retries. It fails with a `KafkaError` when a partition makes no
    /// progress for `stallTimeout` (`.stalled`; time spent in `onBatch` does not count), when the
    /// offsets are gone (`.offsetOutOfRange`: deleted by retention), or when the topic or partition
    /// does not exist (`.topicNotFound`). An error thrown by `onBatch` aborts the read and is rethrown.
    ///
    /// At most `partitionsAtOnce` partitions are fetched at a time (the next starts when one
    /// completes): what is prefetched and not yet consumed grows with the partitions being fetched,
    /// not with the topic.
    public func read(
        topic: String, ranges: [OffsetRange], batchSize: Int = 10_000, stallTimeout: Duration = .seconds(60),
        partitionsAtOnce: Int = 4, onBatch: ([KafkaRecord]) throws -> Void
    ) throws {
        try reading.withLock { _ in
            try readAlone(topic: topic, ranges: ranges, batchSize: batchSize, stallTimeout: stallTimeout,
                          partitionsAtOnce: partitionsAtOnce, onBatch: onBatch)
        }
    }

    /// `read`, with no other read of this reader running.
    private func readAlone(
        topic: String, ranges: [OffsetRange], batchSize: Int, stallTimeout: Duration,
        partitionsAtOnce: Int, onBatch: ([KafkaRecord]) throws -> Void
    ) throws {
        let work = try validate(topic: topic, ranges: ranges, batchSize: batchSize)
        guard !work.isEmpty else { return }
        clientErrors.reset()
        try checkPartitionsExist(topic: topic, ranges: work, timeout: stallTimeout)

        guard let queue = rd_kafka_queue_new(handle.pointer) else {
            throw KafkaError(code: .init(.librdkafka), message: "rd_kafka_queue_new failed", context: "Kafka could not read \(topic)")
        }
        defer { rd_kafka_queue_destroy(queue) }
        guard let topicHandle = rd_kafka_topic_new(handle.pointer, topic, nil) else {
            throw KafkaError(rd_kafka_last_error(), context: "Kafka could not read \(topic)")
        }
        defer { rd_kafka_topic_destroy(topicHandle) }

        let progress = RangeProgress(ranges: work, stallTimeout: stallTimeout)
        var running: Set<Int32> = []
        defer { for partition in running { rd_kafka_consume_stop(topicHandle, partition) } }
        var waiting = work[...]
        func startWaiting() throws {
            while running.count < max(1, partitionsAtOnce), let range = waiting.popFirst() {
                if rd_kafka_consume_start_queue(topicHandle, range.partition, range.start, queue) == -1 {
                    throw KafkaError(rd_kafka_last_error(), context: "Kafka could not start reading partition \(range.partition) of \(topic)")
                }
                running.insert(range.partition)
                progress.markStarted(range.partition)
            }
        }
        progress.restartClocks()
        try startWaiting()

        let chunk = min(batchSize, 10_000)
        let messages = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(capacity: chunk)
        defer { messages.deallocate() }
        var batch: [KafkaRecord] = []
        batch.reserveCapacity(min(batchSize, 100_000))

        while !progress.isComplete {
            let wanted = min(chunk, batchSize - batch.count)
            let count = rd_kafka_consume_batch_queue(queue, 100, messages, wanted)
            if count < 0 {
                throw KafkaError(rd_kafka_last_error(), context: "Kafka could not read \(topic)")
            }
            progress.now = .now
            var failure: KafkaError?
            for index in 0..<count {
                guard let message = messages[index] else { continue }
                if failure == nil {
                    failure = process(message, topic: topic, progress: progress, into: &batch)
                }
                rd_kafka_message_destroy(message)
            }
            if let failure { throw failure }

            for partition in progress.takeFinished() where running.contains(partition) {
                rd_kafka_consume_stop(topicHandle, partition)  // stop fetching what is no longer needed
                running.remove(partition)
            }
            try startWaiting()
            if !batch.isEmpty, batch.count >= batchSize || count < wanted || progress.isComplete {
                let started = ContinuousClock.now
                try onBatch(batch)
                batch.removeAll(keepingCapacity: true)
                progress.excuse(ContinuousClock.now - started)
            }
            rd_kafka_poll(handle.pointer, 0)  // serve logs and client-wide errors
            if let fatal = clientErrors.unrecoverable {
                throw KafkaError(code: fatal.code, message: fatal.message, context: "Kafka could not read \(topic)")
            }
            if let stalled = progress.stalledPartition() {
                throw stallError(topic: topic, partition: stalled, progress: progress)
            }
        }
    }

    // MARK: Messages

    /// Appends the record to `batch` if it belongs to a range; returns an error that ends the read.
    private func process(
        _ message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String, progress: RangeProgress,
        into batch: inout [KafkaRecord]
    ) -> KafkaError? {
        let partition = message.pointee.partition
        let offset = message.pointee.offset
        let err = message.pointee.err
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            if progress.accept(partition, offset: offset) {
                batch.append(KafkaMessage.record(message, topic: topic))
            }
            return nil
        }
        if err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            progress.reachedEnd(partition, at: offset)
            return nil
        }
        let text = KafkaMessage.errorText(message)
        switch err {
        case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET, RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
            return outOfRangeError(topic: topic, partition: partition, progress: progress, err: err)
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
            RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
            RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR__FATAL:
            let what = partition >= 0 ? "partition \(partition) of \(topic)" : topic
            return KafkaError(err, context: "Kafka could not read \(what)", message: text)
        default:
            // Transient (disconnect, leader change, timeouts…): librdkafka retries by itself.
            progress.noteTransientError(partition, KafkaError(err, context: "", message: text))
            return nil
        }
    }

    // MARK: Errors

    private func validate(topic: String, ranges: [OffsetRange], batchSize: Int) throws -> [OffsetRange] {
        let context = "Kafka could not read \(topic)"
        guard batchSize > 0 else {
            throw KafkaError(code: .init(.invalidArgument), message: "the batch size must be positive, not \(batchSize)", context: context)
        }
        var seen: Set<Int32> = []
        var work: [OffsetRange] = []
        for range in ranges where !range.isEmpty {
            guard range.start >= 0, range.partition >= 0 else {
                throw KafkaError(code: .init(.invalidArgument), message: "\(range) is not a range of real offsets", context: context)
            }
            guard seen.insert(range.partition).inserted else {
                throw KafkaError(
                    code: .init(.invalidArgument),
                    message: "partition \(range.partition) has more than one range; merge them into one", context: context)
            }
            work.append(range)
        }
        return work
    }

    /// Fails early and clearly for a missing topic or partition, instead of stalling on it.
    private func checkPartitionsExist(topic: String, ranges: [OffsetRange], timeout: Duration) throws {
        let context = "Kafka could not read \(topic)"
        guard let topicHandle = rd_kafka_topic_new(handle.pointer, topic, nil) else {
            throw KafkaError(rd_kafka_last_error(), context: context)
        }
        defer { rd_kafka_topic_destroy(topicHandle) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle.pointer, 0, topicHandle, &metadata, timeout.clampedMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(err, context: context, message: "no metadata within \(timeout.secondsDescription): \(String(cString: rd_kafka_err2str(err)))")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let topics = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
        guard let entry = topics.first, entry.err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART else {
            throw KafkaError(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, context: context, message: "the topic does not exist")
        }
        let existing = Set(UnsafeBufferPointer(start: entry.partitions, count: Int(entry.partition_cnt)).map(\.id))
        if entry.err == RD_KAFKA_RESP_ERR_NO_ERROR, let missing = ranges.first(where: { !existing.contains($0.partition) }) {
            throw KafkaError(
                RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, context: "Kafka could not read partition \(missing.partition) of \(topic)",
                message: "the topic has only \(existing.count) partitions", kind: .topicNotFound)
        }
    }

    private func outOfRangeError(topic: String, partition: Int32, progress: RangeProgress, err: rd_kafka_resp_err_t) -> KafkaError {
        let offset = progress.nextOffset(partition) ?? -1
        var low: Int64 = 0
        var high: Int64 = 0
        let message: String
        if rd_kafka_query_watermark_offsets(handle.pointer, topic, partition, &low, &high, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR {
            if offset < low {
                message = "offset \(offset) is no longer in the partition: retention deleted the records before offset \(low)"
            } else if offset > high {
                message = "offset \(offset) is past the end of the partition (next offset \(high))"
            } else {
                message = "the broker reports offset \(offset) out of range (partition holds [\(low), \(high)))"
            }
        } else {
            message = "offset \(offset) is out of range: the records were probably deleted by retention"
        }
        return KafkaError(err, context: "Kafka could not read partition \(partition) of \(topic)", message: message, kind: .offsetOutOfRange)
    }

    private func stallError(topic: String, partition: Int32, progress: RangeProgress) -> KafkaError {
        let state = progress.state(partition)!
        var message = "no progress for \(progress.stallTimeout.secondsDescription) at offset \(state.next) of [\(state.start), \(state.end))"
        if let eof = state.endOfPartition, eof < state.end {
            message += "; the partition ends at offset \(eof)"
        }
        let last = state.lastError ?? progress.lastGeneralError ?? clientErrors.last
        if let last {
            message += "; last error: \(last.message)"
        }
        return KafkaError(
            code: .init(.stalled, rdKafkaError: last?.code.rdKafkaError),
            message: message, context: "Kafka could not read partition \(partition) of \(topic)")
    }
}
