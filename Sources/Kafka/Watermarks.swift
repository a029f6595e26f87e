/// The offsets a partition currently holds: `low` is the oldest still retained, `high` the next to
/// be written. Together they bound which `OffsetRange`s can still be read.
public struct Watermarks: Hashable, Sendable, Codable, CustomStringConvertible {
    /// First offset still present (earlier ones were deleted by retention or never existed).
    public var low: Int64
    /// Offset the next record will get: one past the last record.
    public var high: Int64

    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }

    /// The whole retained log as a range of `partition`.
    public func range(partition: Int32) -> OffsetRange {
        OffsetRange(partition: partition, start: low, end: high)
    }

    public var description: String { "[\(low), \(high))" }
}
