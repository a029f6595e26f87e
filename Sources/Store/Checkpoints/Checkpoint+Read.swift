import Foundation

extension Checkpoint {
    /// The checkpoint recorded at `path`: a snapshot folder or its `manifest.json` (the checkpoint
    /// it was exported with), or a run or embedding manifest (its ranges' ends). `source` in the
    /// result is `path` as given.
    ///
    /// A manifest is read for the few keys a checkpoint needs — `ranges: [{partition, end}]`,
    /// plus `run_id` and `topic` when present — and every other key is ignored, so run and
    /// embedding manifests of any release are read alike; a number may also be written as a
    /// string of digits (older tools and hand-made files did).
    public static func read(path: String) throws -> Checkpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StoreError(.manifest, "cannot read the checkpoint \(path): no such file or folder")
        }
        if isDirectory.boolValue { return try fromSnapshot(SnapshotManifest.read(snapshot: path), source: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(.manifest, "cannot read the checkpoint \(path)")
        }
        if isSnapshotManifest(data) {
            let folder = (path as NSString).deletingLastPathComponent
            return try fromSnapshot(SnapshotManifest.decode(data, snapshot: folder.isEmpty ? "." : folder), source: path)
        }
        let recorded: RecordedRanges
        do {
            recorded = try JSONDecoder().decode(RecordedRanges.self, from: data)
        } catch let error as DecodingError {
            throw StoreError(.manifest, "\(path) is not a run manifest: it does not fit {run_id, topic, ranges: [{partition, start, end}]} (\(error.sentence))")
        } catch {
            throw StoreError(.manifest, "\(path) is not a run manifest: \(error)")
        }
        return try Checkpoint(source: path, topic: recorded.topic?.value, runID: recorded.runID?.value,
                              offsets: recorded.ranges.map { ($0.partition.value, $0.end.value) })
    }

    /// The checkpoint a snapshot was exported with, read from `source`.
    public static func fromSnapshot(_ manifest: SnapshotManifest, source: String) throws -> Checkpoint {
        guard var checkpoint = manifest.checkpoint else {
            throw StoreError(.manifest, "the snapshot \(source) has no checkpoint (it was exported without --checkpoint), "
                + "so it does not say where the next run starts; use the run manifest it was made after")
        }
        checkpoint.source = source
        return checkpoint
    }

    /// A snapshot manifest has `tables` and `compression`; a run manifest has `run_id` and `ranges`.
    static func isSnapshotManifest(_ data: Data) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return object["tables"] != nil && object["compression"] != nil && object["run_id"] == nil
    }
}

/// The few keys of a run or embedding manifest a checkpoint needs.
private struct RecordedRanges: Decodable {
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

    init(from decoder: any Decoder) throws {
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

    init(from decoder: any Decoder) throws {
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
