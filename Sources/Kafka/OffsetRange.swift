/// A half-open slice `[start, end)` of one partition's offsets: the unit of work of a backfill.
///
/// Half-open so that ranges computed from watermarks (`low..<high`) and split into chunks
/// never overlap or leave gaps, and an empty range (`start == end`) is simply nothing to do.
public struct OffsetRange: Hashable, Sendable, Codable, CustomStringConvertible {
    public var partition: Int32
    /// First offset to read.
    public var start: Int64
    /// First offset *not* to read (exclusive).
    public var end: Int64

    public init(partition: Int32, start: Int64, end: Int64) {
        self.partition = partition
        self.start = start
        self.end = end
    }

    /// How many offsets the range spans (records may be fewer on compacted or transactional topics).
    public var count: Int64 { max(0, end - start) }

    /// True when there is nothing to read; the reader skips such ranges.
    public var isEmpty: Bool { end <= start }

    public var description: String { "partition \(partition) [\(start), \(end))" }
}
