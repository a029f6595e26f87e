import Foundation
import Kafka

/// The checkpoint a run leaves behind: exactly which offsets it covered and what it did.
///
/// `ranges` is authoritative: the next run (`--after`) starts at each partition's `end`, so
/// chained runs never skip or repeat a record even when record timestamps are not monotonic.
/// It never contains connection strings or secrets.
public struct RunManifest: Codable, Sendable, Equatable, CheckpointFile {
    public static let currentFormatVersion = 1

    public var formatVersion: Int = RunManifest.currentFormatVersion
    public var runID: String
    public var toolVersion: String
    public var topic: String
    public var targetSchema: String
    public var stateSchema: String
    public var bounds: RunBounds.Description
    public var ranges: [OffsetRange]
    public var notes: [String]
    public var counts: Counts
    public var durations: [String: Double]
    public var startedAt: Date
    public var finishedAt: Date?
    public var status: String

    public init(runID: String, toolVersion: String, topic: String, targetSchema: String, stateSchema: String,
                bounds: RunBounds.Description, ranges: [OffsetRange], notes: [String], counts: Counts, durations: [String: Double],
                startedAt: Date, finishedAt: Date?, status: String) {
        self.runID = runID
        self.toolVersion = toolVersion
        self.topic = topic
        self.targetSchema = targetSchema
        self.stateSchema = stateSchema
        self.bounds = bounds
        self.ranges = ranges
        self.notes = notes
        self.counts = counts
        self.durations = durations
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
    }

    public struct Counts: Codable, Sendable, Equatable {
        public var read: Int64 = 0
        public var valid: Int64 = 0
        public var duplicate: Int64 = 0
        public var quarantined: Int64 = 0
        public var pending: Int64 = 0
        public var subjectsRefolded: Int64 = 0
        public var rowsWritten: [String: Int64] = [:]
        public init() {}

        enum CodingKeys: String, CodingKey {
            case read, valid, duplicate, quarantined, pending
            case subjectsRefolded = "subjects_refolded", rowsWritten = "rows_written"
        }
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", runID = "run_id", toolVersion = "tool_version", topic
        case targetSchema = "target_schema", stateSchema = "state_schema", bounds, ranges, notes, counts, durations
        case startedAt = "started_at", finishedAt = "finished_at", status
    }

    public static func load(path: String) throws -> RunManifest {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw StoreError(.manifest, "cannot read the manifest \(path): \(error.localizedDescription)")
        }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(RunManifest.self, from: data)
        } catch {
            throw StoreError(.manifest, "\(path) is not a run manifest this version understands: \(error)")
        }
    }
}
