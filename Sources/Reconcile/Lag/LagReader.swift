import Foundation
import Kafka

/// Reads consumer-group lag from Kafka: the topic's partitions and watermarks, then each
/// group's committed offsets (OffsetFetch through a handle that never joins the group, so the
/// groups' members are not disturbed). Never describes the groups.
public enum LagReader {
    public static func read(admin: KafkaAdmin, topic: String, groups: [String], now: Date = Date()) throws -> LagReport {
        let partitions = try admin.partitions(topic: topic)
        var watermarks: [Int32: (low: Int64, high: Int64)] = [:]
        for partition in partitions {
            let marks = try admin.watermarks(topic: topic, partition: partition)
            watermarks[partition] = (marks.low, marks.high)
        }
        var committed: [String: [Int32: Int64?]] = [:]
        for group in groups where committed[group] == nil {
            committed[group] = try admin.committedOffsets(group: group, topic: topic, partitions: partitions)
        }
        return LagReport.compute(topic: topic, groups: groups, watermarks: watermarks, committed: committed, generatedAt: now)
    }
}
