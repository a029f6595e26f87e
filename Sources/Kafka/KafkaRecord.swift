/// One record read from Kafka, copied out of librdkafka's buffers so it outlives the poll that
/// returned it and can cross threads.
public struct KafkaRecord: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Milliseconds since the epoch as stored in the record (CreateTime, or LogAppendTime when the
    /// topic is configured so); `nil` when the broker has none (very old message formats) or when
    /// it is no instant a clock gives (`timestamp(milliseconds:)`).
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

extension KafkaRecord {
    /// The latest record timestamp kept: the last millisecond of year 9999.
    public static let latestTimestamp: Int64 = 253_402_300_799_999

    /// A record timestamp as kept: nil below zero (Kafka's "none") or after year 9999. A producer
    /// may set any 64-bit CreateTime; one that large overflows microseconds and lies beyond what
    /// PostgreSQL's timestamptz holds, so one such record would stop every run that stores it.
    /// The record itself is read as any other: the timestamp is not its event time.
    public static func timestamp(milliseconds: Int64) -> Int64? {
        (0...latestTimestamp).contains(milliseconds) ? milliseconds : nil
    }
}
