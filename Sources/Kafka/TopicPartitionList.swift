import CRdKafka

/// Owns a `rd_kafka_topic_partition_list_t`, the in/out parameter of most librdkafka offset calls.
final class TopicPartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(topic: String, partitions: [Int32], offset: (Int32) -> Int64 = { _ in Int64(RD_KAFKA_OFFSET_INVALID) }) {
        pointer = rd_kafka_topic_partition_list_new(Int32(max(1, partitions.count)))
        for partition in partitions {
            rd_kafka_topic_partition_list_add(pointer, topic, partition).pointee.offset = offset(partition)
        }
    }

    /// Wraps a list returned by librdkafka that we must destroy (e.g. a copy).
    init(owning pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.pointer = pointer
    }

    var elements: UnsafeMutableBufferPointer<rd_kafka_topic_partition_t> {
        UnsafeMutableBufferPointer(start: pointer.pointee.elems, count: Int(pointer.pointee.cnt))
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }
}
