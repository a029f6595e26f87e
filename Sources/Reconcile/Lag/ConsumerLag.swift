import Foundation

/// Where one consumer group stands on one partition: its committed offset (the next offset it
/// will read) and how many records it has yet to read.
public struct GroupPosition: Sendable, Codable, Equatable {
    public var group: String
    /// nil: the group has committed nothing for this partition (or does not exist).
    public var committed: Int64?
    /// `high watermark − committed`, never below 0; nil without a committed offset.
    public var lag: Int64?

    public init(group: String, committed: Int64?, highWatermark: Int64) {
        self.group = group
        self.committed = committed
        self.lag = committed.map { max(0, highWatermark - $0) }
    }
}

/// One partition: its watermarks, every group's position, and which group is ahead.
public struct PartitionLag: Sendable, Codable, Equatable {
    public var partition: Int32
    public var lowWatermark: Int64
    public var highWatermark: Int64
    /// In the order the groups were asked for.
    public var groups: [GroupPosition]
    /// The group with the highest committed offset; nil when the leaders are level (or none
    /// committed anything). A group with a committed offset is ahead of one without.
    public var ahead: String?

    public func position(_ group: String) -> GroupPosition? { groups.first { $0.group == group } }
}

/// One group over the whole topic.
public struct GroupLagSummary: Sendable, Codable, Equatable {
    public var group: String
    /// False when the group has no committed offset on any partition: shown as such, not an error.
    public var hasCommittedOffsets: Bool
    /// Sum of the lag over the partitions with a committed offset.
    public var committedLag: Int64
    /// Partitions without a committed offset.
    public var partitionsWithoutCommit: [Int32]
    /// Records the group has not read, counting a partition without a commit as its whole
    /// retained log (`high − low`): what it would have to read to catch up.
    public var effectiveLag: Int64
    /// Partitions on which this group is ahead of every other.
    public var partitionsAhead: Int
}

/// Committed offsets and lag of consumer groups on one topic, and which group is ahead per
/// partition and overall. Pure data with its own arithmetic (`compute`), so the math is tested
/// without a broker; `LagReader` fills it from Kafka.
///
/// JSON (snake_case): `{ "topic", "generated_at", "groups": [GroupLagSummary], "partitions":
/// [PartitionLag], "ahead": group or null }`.
public struct LagReport: Sendable, Codable, Equatable {
    public var topic: String
    public var generatedAt: Date
    public var groups: [GroupLagSummary]
    public var partitions: [PartitionLag]
    /// The group with the smallest effective lag over the topic; nil when level.
    public var ahead: String?

    public func group(_ name: String) -> GroupLagSummary? { groups.first { $0.group == name } }

    /// The report for `groups` (in that order) given each partition's watermarks and each
    /// group's committed offsets (`nil` or absent: nothing committed).
    public static func compute(
        topic: String, groups: [String], watermarks: [Int32: (low: Int64, high: Int64)],
        committed: [String: [Int32: Int64?]], generatedAt: Date
    ) -> LagReport {
        var partitions: [PartitionLag] = []
        for partition in watermarks.keys.sorted() {
            let marks = watermarks[partition]!
            let positions = groups.map { group in
                GroupPosition(group: group, committed: committed[group]?[partition] ?? nil, highWatermark: marks.high)
            }
            partitions.append(PartitionLag(partition: partition, lowWatermark: marks.low, highWatermark: marks.high,
                                           groups: positions, ahead: leader(positions.map { ($0.group, $0.committed) })))
        }
        let summaries = groups.map { group -> GroupLagSummary in
            var committedLag: Int64 = 0, effective: Int64 = 0, missing: [Int32] = [], ahead = 0
            for partition in partitions {
                let position = partition.position(group)!
                if let lag = position.lag {
                    committedLag += lag
                    effective += lag
                } else {
                    missing.append(partition.partition)
                    effective += max(0, partition.highWatermark - partition.lowWatermark)
                }
                if partition.ahead == group { ahead += 1 }
            }
            return GroupLagSummary(group: group, hasCommittedOffsets: missing.count < partitions.count,
                                   committedLag: committedLag, partitionsWithoutCommit: missing,
                                   effectiveLag: effective, partitionsAhead: ahead)
        }
        // Overall: the smallest effective lag leads; a group with nothing committed never does.
        let overall = leader(summaries.map { ($0.group, $0.hasCommittedOffsets ? -$0.effectiveLag : nil) })
        return LagReport(topic: topic, generatedAt: Date(timeIntervalSince1970: generatedAt.timeIntervalSince1970.rounded(.down)),
                         groups: summaries, partitions: partitions, ahead: overall)
    }

    /// The single name with the greatest value; nil when two share it or every value is nil.
    static func leader(_ values: [(String, Int64?)]) -> String? {
        let present = values.compactMap { name, value in value.map { (name, $0) } }
        guard let best = present.map(\.1).max() else { return nil }
        let leaders = present.filter { $0.1 == best }
        if leaders.count == 1 { return leaders[0].0 }
        // Level among committed groups, unless everyone else has nothing: then nobody is ahead.
        return nil
    }
}
