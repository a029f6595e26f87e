import Foundation
import Kafka

/// Where a run left off — per partition the offset the next run starts at — however it was
/// recorded: a run manifest's ranges, an embedding manifest's, or the checkpoint a snapshot's
/// manifest carries (which is this type, as the snapshot writes it).
///
/// One type for all three, read by one reader (`read(path:)`), so `--after`, `snapshot export
/// --checkpoint`, the nightly and an import over a run's target agree on what a checkpoint says.
public struct Checkpoint: Sendable, Equatable {
    /// Where it came from: the file or folder given (`--after`), or in a snapshot's manifest the
    /// file name of the run manifest the tables reflect.
    public var source: String
    /// The topic it is for; nil when the record does not say (then it is taken to be the run's).
    public var topic: String?
    /// The run that ended there, when known.
    public var runID: String?
    /// Per partition, the exclusive end of the range already applied.
    public var ends: [Int32: Int64]

    public init(source: String, topic: String?, runID: String?, ends: [Int32: Int64]) {
        self.source = source
        self.topic = topic
        self.runID = runID
        self.ends = ends
    }

    /// A checkpoint from a list of (partition, end) as a file records it. A partition listed
    /// twice, or a negative offset, means the file was edited or damaged: which of two ends is
    /// right cannot be told, so it is refused rather than one of them picked.
    public init(source: String, topic: String?, runID: String?, offsets: [(partition: Int64, end: Int64)]) throws {
        do {
            self.init(source: source, topic: topic, runID: runID, ends: try Self.ends(offsets))
        } catch {
            switch error {
            case .notAPartition(let partition):
                throw StoreError(.manifest, "\(source) names partition \(partition), which is not a partition number")
            case .negativeEnd(let partition, let end):
                throw StoreError(.manifest, "\(source) gives partition \(partition) the negative end offset \(end); it is not a checkpoint this tool wrote")
            case .listedTwice(let partition, let first, let second):
                throw StoreError(.manifest, "\(source) lists partition \(partition) twice (end offsets \(first) and \(second)), so where the next run starts is ambiguous; fix or replace the file")
            }
        }
    }

    /// What makes a list of (partition, end) no checkpoint.
    public enum Problem: Error, Sendable, Equatable {
        case notAPartition(Int64)
        case negativeEnd(partition: Int32, end: Int64)
        case listedTwice(partition: Int32, first: Int64, second: Int64)
    }

    /// The ends of a list of (partition, end), or the first problem with it.
    public static func ends(_ offsets: [(partition: Int64, end: Int64)]) throws(Problem) -> [Int32: Int64] {
        var ends: [Int32: Int64] = [:]
        for (number, end) in offsets {
            guard let partition = Int32(exactly: number), partition >= 0 else { throw .notAPartition(number) }
            guard end >= 0 else { throw .negativeEnd(partition: partition, end: end) }
            if let earlier = ends[partition] { throw .listedTwice(partition: partition, first: earlier, second: end) }
            ends[partition] = end
        }
        return ends
    }

    /// A run manifest's checkpoint: its ranges' ends.
    public init(manifest: RunManifest, path: String) throws {
        try self.init(source: path, topic: manifest.topic, runID: manifest.runID, offsets: manifest.ranges.map { (Int64($0.partition), $0.end) })
    }

    /// `(partition, end)` in partition order, as files list them.
    public var offsets: [PartitionOffset] {
        ends.keys.sorted().map { PartitionOffset(partition: Int($0), end: ends[$0]!) }
    }

    public struct PartitionOffset: Codable, Sendable, Equatable {
        public var partition: Int
        public var end: Int64

        public init(partition: Int, end: Int64) {
            self.partition = partition
            self.end = end
        }
    }
}

// MARK: - As a snapshot's manifest records it

extension Checkpoint: Codable {
    enum CodingKeys: String, CodingKey {
        case source = "run_manifest", runID = "run_id", topic, offsets
    }

    /// Throws `Problem` (not a `DecodingError`) when the offsets are no checkpoint, so the
    /// snapshot's reader can say so in its own words.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let offsets = try container.decode([PartitionOffset].self, forKey: .offsets)
        self.init(source: try container.decodeIfPresent(String.self, forKey: .source) ?? "",
                  topic: try container.decodeIfPresent(String.self, forKey: .topic),
                  runID: try container.decodeIfPresent(String.self, forKey: .runID),
                  ends: try Self.ends(offsets.map { (Int64($0.partition), $0.end) }))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if !source.isEmpty { try container.encode(source, forKey: .source) }
        try container.encodeIfPresent(runID, forKey: .runID)
        try container.encodeIfPresent(topic, forKey: .topic)
        try container.encode(offsets, forKey: .offsets)
    }
}
