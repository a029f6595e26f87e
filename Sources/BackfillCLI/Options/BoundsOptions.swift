import ArgumentParser
import Backfill
import Foundation
import Snapshot

/// Which records: a start (`--since`, `--from-beginning` or `--after`) and an optional `--until`.
struct BoundsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Start at the first record whose timestamp is at or after this instant: RFC 3339 (2026-11-22T00:00:00Z), 'now', or relative (-24h, -90m, -7d).", valueName: "instant"))
    var since: String?

    @Option(help: ArgumentHelp("Stop before the first record whose timestamp is at or after this instant (same forms as --since). Default: the current end of each partition.", valueName: "instant"))
    var until: String?

    @Flag(help: "Start at the earliest record Kafka still retains.")
    var fromBeginning = false

    @Option(help: ArgumentHelp("Start exactly where an earlier run ended (chained runs never skip or repeat a record): its run manifest, or a snapshot folder (or its manifest.json) exported with --checkpoint, whose checkpoint offsets are used.", valueName: "manifest.json|snapshot"))
    var after: String?

    func validate() throws {
        let starts = [since != nil, fromBeginning, after != nil].filter { $0 }.count
        guard starts == 1 else {
            throw ValidationError("choose exactly one start: --since INSTANT, --from-beginning, or --after MANIFEST|SNAPSHOT")
        }
    }

    func bounds() throws -> RunBounds {
        let start: RunBounds.Start
        if let since { start = .timestamp(try InstantParser.parse(since)) }
        else if let after { start = try Self.afterStart(after) }
        else { start = .beginning }
        let end: RunBounds.End = try until.map { $0 == "now" ? .latest : .timestamp(try InstantParser.parse($0)) } ?? .latest
        return RunBounds(start: start, end: end)
    }

    /// `--after PATH`: a snapshot folder, a snapshot's `manifest.json`, or a run manifest.
    static func afterStart(_ path: String) throws -> RunBounds.Start {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists && isDirectory.boolValue {
            return .checkpoint(try checkpoint(SnapshotManifest.read(snapshot: path), source: path))
        }
        if exists, let data = FileManager.default.contents(atPath: path), isSnapshotManifest(data) {
            let folder = (path as NSString).deletingLastPathComponent
            return .checkpoint(try checkpoint(SnapshotManifest.decode(data, snapshot: folder.isEmpty ? "." : folder), source: path))
        }
        return .after(try RunManifest.load(path: path), path: path)
    }

    /// A snapshot manifest has `tables` and `compression`; a run manifest has `run_id` and `ranges`.
    static func isSnapshotManifest(_ data: Data) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return object["tables"] != nil && object["compression"] != nil && object["run_id"] == nil
    }

    static func checkpoint(_ manifest: SnapshotManifest, source: String) throws -> RunCheckpoint {
        guard let checkpoint = manifest.checkpoint else {
            throw BackfillError(.manifest, "the snapshot \(source) has no checkpoint (it was exported without --checkpoint), "
                + "so it does not say where the next run starts; use the run manifest it was made after")
        }
        var ends: [Int32: Int64] = [:]
        for offset in checkpoint.offsets { ends[Int32(offset.partition)] = offset.end }
        return RunCheckpoint(source: source, topic: checkpoint.topic, runID: checkpoint.runID, ends: ends)
    }
}
