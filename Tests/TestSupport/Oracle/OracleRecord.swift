/// One Kafka record as the oracle sees it: where it was and what it carried.
///
/// The record timestamp is deliberately absent: the contract says it is not the event time
/// and nothing canonical depends on it.
public struct OracleRecord: Sendable {
    public var offset: Int64
    public var partition: Int32
    public var key: [UInt8]?
    public var value: [UInt8]

    public init(offset: Int64, partition: Int32, key: [UInt8]?, value: [UInt8]) {
        self.offset = offset
        self.partition = partition
        self.key = key
        self.value = value
    }
}
