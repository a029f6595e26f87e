import Foundation
import Kafka
import Store

/// The checkpoint an embedding backfill leaves behind: the offset ranges it covered, what it did,
/// and the model and dimension of the vectors.
///
/// `--after` reads its ranges with the one checkpoint reader (`Checkpoint.read`), as it reads a
/// run manifest: the next run starts at each partition's `end`.
public struct EmbedManifest: Codable, Sendable, Equatable, CheckpointFile {
    public var formatVersion: Int = RunManifest.currentFormatVersion
    public var kind = "embed"
    public var runID: String
    public var toolVersion: String
    public var topic: String
    public var targetSchema: String
    public var table: String
    public var model: String
    public var dimension: Int
    public var bounds: RunBounds.Description
    public var ranges: [OffsetRange]
    public var notes: [String]
    public var counts: Counts
    public var indexBuilt: Bool
    public var durations: [String: Double]
    public var startedAt: Date
    public var finishedAt: Date?
    public var status: String

    public struct Counts: Codable, Sendable, Equatable {
        /// Records read from the ranges.
        public var read: Int64 = 0
        /// Records that met the contract.
        public var valid: Int64 = 0
        /// Valid records superseded by a newer record of the same id in the range.
        public var duplicate: Int64 = 0
        /// Rows already current (same text, same model): no work.
        public var skippedCurrent: Int64 = 0
        /// Rows written (inserted or re-embedded).
        public var embedded: Int64 = 0
        /// Invalid records plus texts the service refused or answered with a bad vector.
        public var quarantined: Int64 = 0
        /// Requests to the service that were retried (429, 5xx, dropped connections).
        public var retries: Int64 = 0
        public init() {}

        enum CodingKeys: String, CodingKey {
            case read, valid, duplicate, quarantined, retries, embedded
            case skippedCurrent = "skipped_current"
        }
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", kind, runID = "run_id", toolVersion = "tool_version", topic
        case targetSchema = "target_schema", table, model, dimension, bounds, ranges, notes, counts
        case indexBuilt = "index_built", durations, startedAt = "started_at", finishedAt = "finished_at", status
    }
}
