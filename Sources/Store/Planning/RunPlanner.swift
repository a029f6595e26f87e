import Kafka

/// Resolves bounds to exact offset ranges against the topic's current state.
public struct RunPlanner {
    public var admin: KafkaAdmin
    public init(admin: KafkaAdmin) { self.admin = admin }

    public func plan(topic: String, bounds: RunBounds) throws -> RunPlan {
        let partitions = try admin.partitions(topic: topic).sorted()
        var watermarks: [Int32: Watermarks] = [:]
        for partition in partitions {
            watermarks[partition] = try admin.watermarks(topic: topic, partition: partition)
        }
        var notes: [Int32: String] = [:]

        var starts: [Int32: Int64] = [:]
        /// Where each checkpoint start came from, for the error when it no longer fits.
        var checkpointSource: String?
        func start(at checkpoint: Checkpoint) throws {
            checkpointSource = checkpoint.source
            if let recorded = checkpoint.topic, recorded != topic {
                throw StoreError(.plan, "\(checkpoint.source) is for topic \(recorded), not \(topic)")
            }
            let previous = checkpoint.ends
            for p in partitions {
                if let end = previous[p] {
                    starts[p] = end
                } else {
                    starts[p] = watermarks[p]!.low
                    notes[p] = "new partition since " + (checkpoint.runID.map { "run \($0)" } ?? checkpoint.source)
                }
            }
            let vanished = previous.keys.filter { !partitions.contains($0) }.sorted()
            if !vanished.isEmpty {
                throw StoreError(.plan, "partitions \(vanished.map(String.init).joined(separator: ", ")) of \(topic) were in \(checkpoint.source) but no longer exist")
            }
        }
        switch bounds.start {
        case .beginning:
            for p in partitions { starts[p] = watermarks[p]!.low }
        case .timestamp(let ms):
            let found = try admin.offsets(forTimestamp: ms, topic: topic, partitions: partitions)
            for p in partitions { starts[p] = found[p] ?? watermarks[p]!.high }
        case .checkpoint(let checkpoint):
            try start(at: checkpoint)
        }

        var ends: [Int32: Int64] = [:]
        switch bounds.end {
        case .latest:
            for p in partitions { ends[p] = watermarks[p]!.high }
        case .timestamp(let ms):
            let found = try admin.offsets(forTimestamp: ms, topic: topic, partitions: partitions)
            for p in partitions { ends[p] = found[p] ?? watermarks[p]!.high }
        case .offsets(let given):
            for p in partitions { ends[p] = given[p] ?? starts[p]! }
        }

        var ranges: [OffsetRange] = []
        for p in partitions {
            let w = watermarks[p]!
            let start = starts[p]!
            var end = max(ends[p]!, start)
            if start < w.low {
                throw StoreError(.checkpointOutOfRange, "partition \(p) of \(topic) should start at offset \(start)\(checkpointSource.map { " (from \($0))" } ?? "") but retention already deleted everything before \(w.low) (low watermark; high \(w.high)); records \(start)..<\(w.low) are lost. \(Self.wayOut)")
            }
            // A checkpoint beyond the end: the topic was recreated or truncated, or its offsets
            // were reset. The offsets no longer name the records the checkpoint saw, and reading
            // nothing would skip every record until the new end passes the old one.
            if start > w.high {
                throw StoreError(.checkpointOutOfRange, "partition \(p) of \(topic) should start at offset \(start)\(checkpointSource.map { " (from \($0))" } ?? "") but it ends at offset \(w.high) (high watermark; low \(w.low)): the topic was recreated or truncated, or its offsets were reset, since that checkpoint was written. \(Self.wayOut)")
            }
            end = min(end, max(w.high, start))
            if notes[p] == nil {
                if w.low == w.high { notes[p] = "empty partition" }
                else if start >= w.high { notes[p] = "nothing new (start is at the end)" }
                else if end == start { notes[p] = "no records in the time window" }
            }
            ranges.append(OffsetRange(partition: p, start: start, end: end))
        }
        return RunPlan(topic: topic, bounds: bounds, ranges: ranges, watermarks: watermarks, notes: notes)
    }

    /// What to do when a checkpoint no longer fits the topic; said the same way for every command.
    public static let wayOut = "Nothing was read. Choose a new start: --from-beginning (into a fresh target: what earlier runs wrote stays), or --since INSTANT to pick the records by time"
}
