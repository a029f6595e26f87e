import CRdKafka
import Foundation

/// Questions about the cluster a backfill needs answered before reading: which partitions a topic
/// has, which offsets they hold, where a point in time falls, how far a consumer group got; plus
/// topic creation and deletion for setups and tests.
///
/// It never joins a consumer group: its main handle has no `group.id` at all, and group offsets
/// are looked up (or, for tests and tooling, committed) through a short-lived handle that carries
/// the group's id but never subscribes, so the group's members are not disturbed.
///
/// Sendable: every call goes straight to a librdkafka handle (`ClientHandle`, thread-safe), and
/// this class keeps no mutable state of its own.
public final class KafkaAdmin: Sendable {
    private let configuration: KafkaConfiguration
    private let handle: ClientHandle

    public init(configuration: KafkaConfiguration) throws {
        self.configuration = configuration
        handle = try ClientHandle(
            type: RD_KAFKA_CONSUMER,
            properties: [("client.id", "backfill-admin")] + configuration.librdkafkaProperties
                + [("enable.auto.commit", "false")],
            purpose: "create an admin client for \(configuration.brokers)")
    }

    // MARK: Topics

    /// The topic's partition ids in ascending order. Throws `.topicNotFound` when the topic does not
    /// exist, so a typo fails loudly instead of backfilling nothing.
    public func partitions(topic: String, timeout: Duration = .seconds(10)) throws -> [Int32] {
        let context = "Kafka could not list the partitions of \(topic)"
        let deadline = Deadline(after: timeout)
        while true {
            let result = try metadata(topic: topic, deadline: deadline, context: context)
            switch result.error {
            case RD_KAFKA_RESP_ERR_NO_ERROR where !result.partitions.isEmpty:
                return result.partitions
            case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
                throw KafkaError(result.error, context: context, message: "the topic does not exist")
            case RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
                // Being created: partitions appear once leaders are elected.
                if deadline.hasPassed {
                    throw KafkaError(
                        RD_KAFKA_RESP_ERR__TIMED_OUT, context: context,
                        message: "the topic has no partitions with a leader after \(timeout.secondsDescription)")
                }
                sleepBriefly()
            default:
                throw KafkaError(result.error, context: context)
            }
        }
    }

    /// Whether the topic exists; a cheap check that does not create it (auto-creation is off for
    /// this client).
    public func topicExists(_ topic: String, timeout: Duration = .seconds(10)) throws -> Bool {
        let context = "Kafka could not check whether topic \(topic) exists"
        let result = try metadata(topic: topic, deadline: Deadline(after: timeout), context: context)
        switch result.error {
        case RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE: return true
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC: return false
        default: throw KafkaError(result.error, context: context)
        }
    }

    /// Creates the topic and waits until its partitions are visible, so a producer or reader can use
    /// it right away. A topic that already exists with the same partition count is success (setups
    /// are rerun); with another count it is `.partitionCountMismatch`.
    ///
    /// - Parameter replicationFactor: -1 for the broker's default.
    public func createTopic(
        _ name: String, partitions: Int32, config: [String: String] = [:], replicationFactor: Int32 = -1,
        timeout: Duration = .seconds(15)
    ) throws {
        let context = "Kafka could not create topic \(name)"
        let deadline = Deadline(after: timeout)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let newTopic = rd_kafka_NewTopic_new(name, partitions, replicationFactor, &errstr, errstr.count) else {
            throw KafkaError(code: .init(.invalidArgument), message: String(errorBuffer: errstr), context: context)
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        for key in config.keys.sorted() {
            let err = rd_kafka_NewTopic_set_config(newTopic, key, config[key]!)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(err, context: context, message: "invalid config \(key)=\(config[key]!)")
            }
        }
        var topics: [OpaquePointer?] = [newTopic]
        let results = try adminRequest(RD_KAFKA_ADMIN_OP_CREATETOPICS, deadline: deadline, context: context) { options, queue in
            rd_kafka_CreateTopics(handle.pointer, &topics, 1, options, queue)
        } results: { event in
            var count = 0
            let list = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
            return Self.topicResults(list, count: count)
        }
        for result in results {
            switch result.error {
            case RD_KAFKA_RESP_ERR_NO_ERROR:
                break
            case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
                let existing = try self.partitions(topic: name, timeout: .milliseconds(Int64(deadline.remainingMilliseconds)))
                if existing.count != Int(partitions) {
                    throw KafkaError(
                        code: .init(.partitionCountMismatch, rdKafkaError: result.error.rawValue),
                        message: "it already exists with \(existing.count) partitions, not \(partitions)", context: context)
                }
                return
            default:
                throw KafkaError(result.error, context: context, message: result.message)
            }
        }
        // Wait until the new topic's metadata (all partitions, with leaders) has propagated.
        while true {
            let result = try metadata(topic: name, deadline: deadline, context: context)
            if result.error == RD_KAFKA_RESP_ERR_NO_ERROR, result.partitions.count == Int(partitions), result.allHaveLeaders {
                return
            }
            if deadline.hasPassed {
                throw KafkaError(
                    RD_KAFKA_RESP_ERR__TIMED_OUT, context: context,
                    message: "it was created but its \(partitions) partitions did not become visible within \(timeout.secondsDescription)")
            }
            sleepBriefly()
        }
    }

    /// Deletes the topic and waits until it is gone from metadata. A topic that does not exist is
    /// success: the caller wanted it gone.
    public func deleteTopic(_ name: String, timeout: Duration = .seconds(15)) throws {
        let context = "Kafka could not delete topic \(name)"
        let deadline = Deadline(after: timeout)
        guard let deleteTopic = rd_kafka_DeleteTopic_new(name) else {
            throw KafkaError(code: .init(.invalidArgument), message: "invalid topic name", context: context)
        }
        defer { rd_kafka_DeleteTopic_destroy(deleteTopic) }
        var topics: [OpaquePointer?] = [deleteTopic]
        let results = try adminRequest(RD_KAFKA_ADMIN_OP_DELETETOPICS, deadline: deadline, context: context) { options, queue in
            rd_kafka_DeleteTopics(handle.pointer, &topics, 1, options, queue)
        } results: { event in
            var count = 0
            let list = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), &count)
            return Self.topicResults(list, count: count)
        }
        for result in results {
            switch result.error {
            case RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART: break
            default: throw KafkaError(result.error, context: context, message: result.message)
            }
        }
        while try metadata(topic: name, deadline: deadline, context: context).error == RD_KAFKA_RESP_ERR_NO_ERROR {
            if deadline.hasPassed {
                throw KafkaError(
                    RD_KAFKA_RESP_ERR__TIMED_OUT, context: context,
                    message: "it was deleted but is still listed after \(timeout.secondsDescription)")
            }
            sleepBriefly()
        }
    }

    /// Deletes every record before `offset` in each given partition (Kafka's DeleteRecords), as
    /// retention would. For tests and tooling: it lets one check how a read of deleted offsets fails.
    public func deleteRecords(topic: String, before offsets: [Int32: Int64], timeout: Duration = .seconds(15)) throws {
        let context = "Kafka could not delete records of \(topic)"
        let deadline = Deadline(after: timeout)
        let list = TopicPartitionList(topic: topic, partitions: offsets.keys.sorted()) { offsets[$0]! }
        guard let request = rd_kafka_DeleteRecords_new(list.pointer) else {
            throw KafkaError(code: .init(.invalidArgument), message: "invalid offsets", context: context)
        }
        defer { rd_kafka_DeleteRecords_destroy(request) }
        var requests: [OpaquePointer?] = [request]
        let failures = try adminRequest(RD_KAFKA_ADMIN_OP_DELETERECORDS, deadline: deadline, context: context) { options, queue in
            rd_kafka_DeleteRecords(handle.pointer, &requests, 1, options, queue)
        } results: { event -> [(Int32, rd_kafka_resp_err_t)] in
            guard let result = rd_kafka_event_DeleteRecords_result(event),
                let partitions = rd_kafka_DeleteRecords_result_offsets(result)
            else { return [] }
            return UnsafeBufferPointer(start: partitions.pointee.elems, count: Int(partitions.pointee.cnt))
                .filter { $0.err != RD_KAFKA_RESP_ERR_NO_ERROR }.map { ($0.partition, $0.err) }
        }
        if let (partition, err) = failures.first {
            throw KafkaError(err, context: "\(context) (partition \(partition))")
        }
    }

    // MARK: Offsets

    /// The partition's low and high watermarks, asked of its leader (not a cached value), so a
    /// backfill plans against what the broker holds right now.
    public func watermarks(topic: String, partition: Int32, timeout: Duration = .seconds(10)) throws -> Watermarks {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(handle.pointer, topic, partition, &low, &high, timeout.clampedMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, context: "Kafka could not read the watermarks of partition \(partition) of \(topic)")
        }
        return Watermarks(low: low, high: high)
    }

    /// First offset whose timestamp >= ms per partition; the high watermark when none (past the end),
    /// so the result is always a valid range start ("from this time on" reads nothing then).
    public func offsets(
        forTimestamp ms: Int64, topic: String, partitions: [Int32], timeout: Duration = .seconds(10)
    ) throws -> [Int32: Int64] {
        let context = "Kafka could not look up the offsets of \(topic) at timestamp \(ms)"
        let deadline = Deadline(after: timeout)
        let list = TopicPartitionList(topic: topic, partitions: partitions) { _ in ms }
        let err = rd_kafka_offsets_for_times(handle.pointer, list.pointer, deadline.remainingMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: context) }
        var result: [Int32: Int64] = [:]
        for element in list.elements {
            guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(element.err, context: "\(context) (partition \(element.partition))")
            }
            if element.offset >= 0 {
                result[element.partition] = element.offset
            } else {
                // -1: no record at or after that time.
                let remaining = Duration.milliseconds(Int64(max(1, deadline.remainingMilliseconds)))
                result[element.partition] = try watermarks(topic: topic, partition: element.partition, timeout: remaining).high
            }
        }
        return result
    }

    /// The group's committed offsets (`nil` = none committed for that partition, also for a group
    /// that never existed). Looked up with OffsetFetch through a handle that never joins the group.
    public func committedOffsets(
        group: String, topic: String, partitions: [Int32], timeout: Duration = .seconds(10)
    ) throws -> [Int32: Int64?] {
        let context = "Kafka could not read the committed offsets of group \(group) on \(topic)"
        let groupHandle = try self.groupHandle(group, purpose: "read the offsets of group \(group)")
        let list = TopicPartitionList(topic: topic, partitions: partitions)
        let err = rd_kafka_committed(groupHandle.pointer, list.pointer, timeout.clampedMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: context) }
        var result: [Int32: Int64?] = [:]
        for element in list.elements {
            guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(element.err, context: "\(context) (partition \(element.partition))")
            }
            result[element.partition] = element.offset >= 0 ? element.offset : Int64?.none
        }
        return result
    }

    /// Commits offsets for a group without joining it (generation-less commit, as standalone
    /// consumers do). For tests and tooling, e.g. to set up lag; the broker rejects it while the
    /// group has active members, which is the safe outcome.
    public func commitOffsets(
        group: String, topic: String, offsets: [Int32: Int64], timeout: Duration = .seconds(10)
    ) throws {
        let context = "Kafka could not commit offsets of group \(group) on \(topic)"
        let deadline = Deadline(after: timeout)
        let groupHandle = try self.groupHandle(group, purpose: "commit offsets for group \(group)")
        let partitions = offsets.keys.sorted()
        let list = TopicPartitionList(topic: topic, partitions: partitions) { offsets[$0]! }
        guard let queue = rd_kafka_queue_new(groupHandle.pointer) else {
            throw KafkaError(code: .init(.librdkafka), message: "rd_kafka_queue_new failed", context: context)
        }
        defer { rd_kafka_queue_destroy(queue) }
        let err = rd_kafka_commit_queue(groupHandle.pointer, list.pointer, queue, nil, nil)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: context) }
        guard let event = rd_kafka_queue_poll(queue, deadline.remainingMilliseconds) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, context: context, message: "no answer within \(timeout.secondsDescription)")
        }
        defer { rd_kafka_event_destroy(event) }
        let eventErr = rd_kafka_event_error(event)
        guard eventErr == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(eventErr, context: context, message: String(cString: rd_kafka_event_error_string(event)))
        }
        if let committed = rd_kafka_event_topic_partition_list(event) {
            let elements = UnsafeBufferPointer(start: committed.pointee.elems, count: Int(committed.pointee.cnt))
            for element in elements where element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(element.err, context: "\(context) (partition \(element.partition))")
            }
        }
    }

    // MARK: Helpers

    private struct TopicMetadata {
        var error: rd_kafka_resp_err_t
        var partitions: [Int32]
        var allHaveLeaders: Bool
    }

    /// Metadata of one topic only (never all topics: clusters may have thousands).
    private func metadata(topic: String, deadline: Deadline, context: String) throws -> TopicMetadata {
        guard let topicHandle = rd_kafka_topic_new(handle.pointer, topic, nil) else {
            throw KafkaError(rd_kafka_last_error(), context: context)
        }
        defer { rd_kafka_topic_destroy(topicHandle) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle.pointer, 0, topicHandle, &metadata, max(1, deadline.remainingMilliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw KafkaError(err, context: context) }
        defer { rd_kafka_metadata_destroy(metadata) }
        let topics = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
        guard let entry = topics.first(where: { String(cString: $0.topic) == topic }) else {
            return TopicMetadata(error: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, partitions: [], allHaveLeaders: false)
        }
        let partitions = UnsafeBufferPointer(start: entry.partitions, count: Int(entry.partition_cnt))
        return TopicMetadata(
            error: entry.err, partitions: partitions.map(\.id).sorted(),
            allHaveLeaders: partitions.allSatisfy { $0.leader >= 0 && $0.err == RD_KAFKA_RESP_ERR_NO_ERROR })
    }

    private struct TopicResult {
        var error: rd_kafka_resp_err_t
        var message: String
    }

    private static func topicResults(_ list: UnsafeMutablePointer<OpaquePointer?>?, count: Int) -> [TopicResult] {
        guard let list else { return [] }
        return UnsafeBufferPointer(start: list, count: count).compactMap { result in
            guard let result else { return nil }
            let err = rd_kafka_topic_result_error(result)
            let text = rd_kafka_topic_result_error_string(result).map { String(cString: $0) }
            return TopicResult(error: err, message: text ?? String(cString: rd_kafka_err2str(err)))
        }
    }

    /// Runs one admin request and waits for its result event on a private queue.
    private func adminRequest<Result>(
        _ operation: rd_kafka_admin_op_t, deadline: Deadline, context: String,
        send: (OpaquePointer, OpaquePointer) -> Void, results: (OpaquePointer) -> Result
    ) throws -> Result {
        guard let options = rd_kafka_AdminOptions_new(handle.pointer, operation) else {
            throw KafkaError(code: .init(.librdkafka), message: "rd_kafka_AdminOptions_new failed", context: context)
        }
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errstr = [CChar](repeating: 0, count: 512)
        let timeoutMs = max(1, deadline.remainingMilliseconds)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, &errstr, errstr.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, &errstr, errstr.count)
        guard let queue = rd_kafka_queue_new(handle.pointer) else {
            throw KafkaError(code: .init(.librdkafka), message: "rd_kafka_queue_new failed", context: context)
        }
        defer { rd_kafka_queue_destroy(queue) }
        send(options, queue)
        // The request times out by itself; the extra second only covers delivering that result.
        guard let event = rd_kafka_queue_poll(queue, timeoutMs + 1000) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, context: context, message: "no answer from the cluster")
        }
        defer { rd_kafka_event_destroy(event) }
        let err = rd_kafka_event_error(event)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, context: context, message: String(cString: rd_kafka_event_error_string(event)))
        }
        return results(event)
    }

    /// A consumer handle carrying the group's id, for offset lookups and commits. It never
    /// subscribes, so it never joins the group; auto-commit is off so destroying it commits nothing.
    private func groupHandle(_ group: String, purpose: String) throws -> ClientHandle {
        try ClientHandle(
            type: RD_KAFKA_CONSUMER,
            properties: [("client.id", "backfill-admin")] + configuration.librdkafkaProperties + [
                ("group.id", group), ("enable.auto.commit", "false"), ("enable.auto.offset.store", "false"),
            ],
            purpose: purpose)
    }

    private func sleepBriefly() {
        Thread.sleep(forTimeInterval: 0.1)
    }
}
