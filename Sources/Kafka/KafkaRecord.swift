/// One record read from Kafka, copied out of librdkafka's buffers so it outlives the poll that
/// returned it and can cross threads.
public struct KafkaRecord: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Milliseconds since the epoch as stored in the record (CreateTime, or LogAppendTime when the
    /// topic is configured so); `nil` when the broker has none (very old message formats).
    public var timestamp: Int64?
    /// `nil` when the record has a null key (distinct from an empty key).
    public var key: [UInt8]?
    /// `nil` for a null value, e.g. a tombstone on a compacted topic.
    public var value: [UInt8]?
    public var headers: [KafkaHeader]

    public init(
        topic: String, partition: Int32, offset: Int64, timestamp: Int64?,
        key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }
}
