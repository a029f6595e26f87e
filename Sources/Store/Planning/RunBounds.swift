import Foundation
import Lifestream

/// Which records a run covers, before it is resolved against the topic into offset ranges.
public struct RunBounds: Sendable, Equatable {
    public enum Start: Sendable, Equatable {
        /// Every record still retained.
        case beginning
        /// The first record whose timestamp is at or after this instant (ms since epoch).
        case timestamp(Int64)
        /// Exactly where an earlier run ended.
        case after(RunManifest, path: String)
        /// Exactly at a checkpoint's offsets: where the run a snapshot's tables reflect ended.
        case checkpoint(RunCheckpoint)
    }

    public enum End: Sendable, Equatable {
        /// The high watermark when the plan is made.
        case latest
        /// Before the first record whose timestamp is at or after this instant (ms since epoch).
        case timestamp(Int64)
    }

    public var start: Start
    public var end: End

    public init(start: Start, end: End) {
        self.start = start
        self.end = end
    }

    /// The bounds as a manifest records them: what the user asked for, in their words.
    public struct Description: Codable, Sendable, Equatable {
        public var fromBeginning: Bool
        public var since: String?
        public var until: String?
        public var after: String?
        public var afterRunID: String?

        enum CodingKeys: String, CodingKey {
            case fromBeginning = "from_beginning", since, until, after, afterRunID = "after_run_id"
        }
    }

    public var summary: Description {
        var d = Description(fromBeginning: false)
        switch start {
        case .beginning: d.fromBeginning = true
        case .timestamp(let ms): d.since = InstantParser.format(ms)
        case .after(let manifest, let path): d.after = path; d.afterRunID = manifest.runID
        case .checkpoint(let checkpoint): d.after = checkpoint.source; d.afterRunID = checkpoint.runID
        }
        if case .timestamp(let ms) = end { d.until = InstantParser.format(ms) }
        return d
    }
}

/// Where an earlier run left off, however it was recorded (a run manifest, or the checkpoint
/// a snapshot's manifest carries): per partition the offset the next run starts at.
public struct RunCheckpoint: Sendable, Equatable {
    /// The file or folder it came from, as given (recorded in the next run's manifest).
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
    public init(source: String, topic: String?, runID: String?, offsets: [(partition: Int32, end: Int64)]) throws {
        var ends: [Int32: Int64] = [:]
        for (partition, end) in offsets {
            guard end >= 0 else {
                throw StoreError(.manifest, "\(source) gives partition \(partition) the negative end offset \(end); it is not a checkpoint this tool wrote")
            }
            if let earlier = ends[partition] {
                throw StoreError(.manifest, "\(source) lists partition \(partition) twice (end offsets \(earlier) and \(end)), so where the next run starts is ambiguous; fix or replace the file")
            }
            ends[partition] = end
        }
        self.init(source: source, topic: topic, runID: runID, ends: ends)
    }

    /// A run manifest's checkpoint: its ranges' ends.
    public init(manifest: RunManifest, path: String) throws {
        try self.init(source: path, topic: manifest.topic, runID: manifest.runID,
                      offsets: manifest.ranges.map { ($0.partition, $0.end) })
    }
}

/// Reads `--since`/`--until` values: RFC 3339 instants, `now`, or relative to now (`-24h`, `-90m`, `-7d`, `-30s`).
public enum InstantParser {
    public static func parse(_ text: String, now: Date = Date()) throws -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let nowMs = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        if trimmed == "now" { return nowMs }
        if let first = trimmed.first, first == "-" || first == "+", let unit = trimmed.last,
           let amount = Int64(trimmed.dropFirst().dropLast()), amount >= 0 {
            let scale: Int64? = switch unit {
            case "s": 1000
            case "m": 60_000
            case "h": 3_600_000
            case "d": 86_400_000
            case "w": 604_800_000
            default: nil
            }
            if let scale { return nowMs + (first == "-" ? -1 : 1) * amount * scale }
        }
        if let instant = Timestamp(rfc3339: trimmed) { return instant.microseconds / 1000 }
        throw StoreError(.bounds, "'\(text)' is not an instant: use RFC 3339 (2026-11-22T00:00:00Z), 'now', or a relative time such as -24h, -90m, -7d")
    }

    public static func format(_ ms: Int64) -> String {
        Timestamp(milliseconds: ms).description
    }
}
