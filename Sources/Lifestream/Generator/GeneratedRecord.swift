/// One Kafka record the generator produces, plus the verdict the contract gives it.
public struct GeneratedRecord: Sendable, Equatable {
    /// All records of a subject share a partition: FNV-1a 64 of subject_id's UTF-8 bytes
    /// modulo the partition count (see `EventGenerator.partition(forSubject:partitions:)`).
    public var partition: Int32
    /// subject_id as UTF-8; nil for a few valid records (the contract allows keyless) and for
    /// invalid records whose subject_id is missing or broken.
    public var key: [UInt8]?
    /// The JSON value bytes.
    public var value: [UInt8]
    /// CreateTime in ms: arrival time, after the event's occurred_at, mostly increasing but
    /// not always monotonic.
    public var timestamp: Int64
    /// For an invalid record, the exact reason the contract says the tool must give; nil
    /// for valid records.
    public var quarantineReason: String?

    public init(partition: Int32, key: [UInt8]?, value: [UInt8], timestamp: Int64, quarantineReason: String?) {
        self.partition = partition
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.quarantineReason = quarantineReason
    }
}
