import Foundation
import Store

extension SnapshotManifest.Checkpoint {
    /// The checkpoint a backfill run manifest describes: per partition the exclusive `end` of the
    /// range the run applied, which is where the next run starts.
    ///
    /// The run manifest's format is still settling, so it is read leniently: any JSON object with
    /// `ranges: [{partition, start, end}]` (numbers or numeric strings), plus `run_id` and `topic`
    /// when present. Every other key is ignored.
    public static func fromRunManifest(path: String) throws -> Self {
        func invalid(_ message: String) -> SnapshotError {
            SnapshotError(code: .invalidCheckpoint, snapshot: nil, message: "the run manifest \(path) \(message)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw invalid("cannot be read")
        }
        let run: LenientRunManifest
        do {
            run = try JSONDecoder().decode(LenientRunManifest.self, from: data)
        } catch let error as DecodingError {
            throw invalid("does not fit {run_id, topic, ranges: [{partition, start, end}]}: \(error.sentence)")
        }
        var offsets: [SnapshotManifest.PartitionOffset] = []
        for (index, range) in run.ranges.enumerated() {
            guard let partition = Int(exactly: range.partition.value), partition >= 0, partition <= Int(Int32.max) else {
                throw invalid("has ranges[\(index)].partition \(range.partition.value), which is not a partition number")
            }
            guard range.end.value >= 0 else { throw invalid("has a negative end offset for partition \(partition)") }
            guard !offsets.contains(where: { $0.partition == partition }) else {
                throw invalid("lists partition \(partition) twice")
            }
            offsets.append(.init(partition: partition, end: range.end.value))
        }
        offsets.sort { $0.partition < $1.partition }
        return Self(runManifest: (path as NSString).lastPathComponent, runID: run.runID?.value,
                    topic: run.topic?.value, offsets: offsets)
    }
}

/// The few keys of a run manifest a snapshot needs.
private struct LenientRunManifest: Decodable {
    var runID: LenientText?
    var topic: LenientText?
    var ranges: [Range]

    struct Range: Decodable {
        var partition: LenientInteger
        var end: LenientInteger
    }

    enum CodingKeys: String, CodingKey { case runID = "run_id", topic, ranges }
}

/// An integer written as a JSON number or as a string of digits.
private struct LenientInteger: Decodable {
    var value: Int64

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            value = number
        } else if let text = try? container.decode(String.self), let number = Int64(text.trimmingCharacters(in: .whitespaces)) {
            value = number
        } else {
            throw DecodingError.typeMismatch(Int64.self, .init(codingPath: decoder.codingPath, debugDescription: "not an integer"))
        }
    }
}

/// A string, or a number standing in for one (a numeric run id).
private struct LenientText: Decodable {
    var value: String

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            value = text
        } else if let number = try? container.decode(Int64.self) {
            value = String(number)
        } else {
            throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath, debugDescription: "not a string"))
        }
    }
}
