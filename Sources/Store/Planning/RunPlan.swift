import Display
import Kafka

/// One offset range per partition, resolved from bounds, plus what a person should know
/// about each partition (empty, past the end, new since the last run).
public struct RunPlan: Sendable, Equatable {
    public var topic: String
    public var bounds: RunBounds
    public var ranges: [OffsetRange]
    public var watermarks: [Int32: Watermarks]
    public var notes: [Int32: String]

    public init(topic: String, bounds: RunBounds, ranges: [OffsetRange], watermarks: [Int32: Watermarks] = [:], notes: [Int32: String] = [:]) {
        self.topic = topic
        self.bounds = bounds
        self.ranges = ranges
        self.watermarks = watermarks
        self.notes = notes
    }

    public var totalRecords: Int64 { ranges.reduce(0) { $0 + $1.count } }

    /// Plain-text table for `backfill plan`.
    public func table() -> String {
        var lines = ["partition  start        end          records      low          high         note"]
        for range in ranges {
            let w = watermarks[range.partition]
            func col(_ value: Any, _ width: Int) -> String {
                let s = "\(value)"
                return s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
            }
            lines.append(col(range.partition, 11) + col(range.start, 13) + col(range.end, 13) + col(range.count, 13)
                + col(w?.low ?? 0, 13) + col(w?.high ?? 0, 13) + (notes[range.partition] ?? ""))
        }
        lines.append("total: \(totalRecords) records in \(ranges.count) partitions of \(Display.name(topic))")
        return lines.joined(separator: "\n")
    }
}
