import Kafka
import Postgres

/// One row of the legacy `kafka_offsets`: where the older materializer's group would read next.
public struct LegacyOffset: Sendable, Equatable {
    public var consumerGroup: String
    public var topic: String
    public var partition: Int32
    /// The next offset to read; nil when the row has none.
    public var offset: Int64?

    public init(consumerGroup: String, topic: String, partition: Int32, offset: Int64?) {
        self.consumerGroup = consumerGroup
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// A topic and partition, the key of both offset tables.
public struct TopicPartition: Sendable, Hashable, Comparable {
    public var topic: String
    public var partition: Int32
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
    public static func < (a: Self, b: Self) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }
    public var description: String { "\(topic)/\(partition)" }
}

/// Check 1: the Flink group has committed, for every (topic, partition) the old materializer
/// recorded, an offset at or past the old one — the new job has read everything the old one had.
enum OffsetCheck {
    static let number = 1
    static let name = "offsets"

    static func read(_ table: String, on connection: PostgresConnection) throws -> [LegacyOffset] {
        try connection.query("""
            SELECT consumer_group, topic, partition, "offset" FROM \(table)
            ORDER BY topic COLLATE "C", partition, consumer_group COLLATE "C"
            """).map { row in
            LegacyOffset(consumerGroup: row[0] ?? "", topic: row[1] ?? "", partition: Int32(row[2] ?? "") ?? -1,
                         offset: row[3].flatMap { Int64($0) })
        }
    }

    /// The group's committed offsets for every (topic, partition) of `rows`, one OffsetFetch per topic.
    static func committed(group: String, for rows: [LegacyOffset], admin: KafkaAdmin) throws -> [TopicPartition: Int64?] {
        var result: [TopicPartition: Int64?] = [:]
        let byTopic = Dictionary(grouping: rows, by: \.topic)
        for topic in byTopic.keys.sorted() {
            let partitions = Array(Set(byTopic[topic]!.map(\.partition))).sorted()
            for (partition, offset) in try admin.committedOffsets(group: group, topic: topic, partitions: partitions) {
                result[TopicPartition(topic: topic, partition: partition)] = offset
            }
        }
        return result
    }

    /// Pure: the verdict from the legacy rows and the group's committed offsets. Where several
    /// legacy groups recorded the same partition, the furthest offset must be reached.
    static func evaluate(rows: [LegacyOffset]?, committed: [TopicPartition: Int64?], group: String) -> CleanupCheck {
        guard let rows else {
            return CleanupCheck(number: number, name: name, status: .pass,
                                summary: "kafka_offsets is already gone: there is no old position to compare")
        }
        var required: [TopicPartition: Int64] = [:]
        var withoutOffset = 0
        for row in rows {
            let key = TopicPartition(topic: row.topic, partition: row.partition)
            guard let offset = row.offset else { withoutOffset += 1; continue }
            required[key] = max(required[key] ?? offset, offset)
        }
        var behind: [String] = []
        var noCommit = 0
        var largestGap: Int64 = 0
        var reached = 0
        for key in required.keys.sorted() {
            let needed = required[key]!
            switch committed[key] ?? nil {
            case nil:
                noCommit += 1
                behind.append("\(key.description): \(group) has committed nothing; the old materializer had read to \(needed)")
            case let offset? where offset < needed:
                largestGap = max(largestGap, needed - offset)
                behind.append("\(key.description): \(group) committed \(offset), the old materializer had read to \(needed) (\(needed - offset) behind)")
            case .some:
                reached += 1
            }
        }
        let evidence: [String: Fact] = [
            "group": .text(group),
            "legacy_groups": .list(Array(Set(rows.map(\.consumerGroup))).sorted()),
            "rows": .int(Int64(rows.count)),
            "rows_without_offset": .int(Int64(withoutOffset)),
            "partitions": .int(Int64(required.count)),
            "at_or_past": .int(Int64(reached)),
            "behind": .int(Int64(required.count - reached)),
            "without_commit": .int(Int64(noCommit)),
            "largest_gap": .int(largestGap),
        ]
        if behind.isEmpty {
            let note = withoutOffset > 0 ? " (\(withoutOffset) rows without an offset need nothing)" : ""
            return CleanupCheck(number: number, name: name, status: .pass,
                                summary: "\(group) is at or past the old materializer on all \(required.count) partitions\(note)",
                                evidence: evidence)
        }
        return CleanupCheck(number: number, name: name, status: .fail,
                            summary: "\(group) is behind the old materializer on \(behind.count) of \(required.count) partitions"
                                + (noCommit > 0 ? " (\(noCommit) with nothing committed)" : "")
                                + (largestGap > 0 ? ", by up to \(largestGap) records" : ""),
                            evidence: evidence, details: behind)
    }
}
