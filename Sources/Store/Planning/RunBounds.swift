import Foundation
import Lifestream

/// Which records a run covers, before it is resolved against the topic into offset ranges.
public struct RunBounds: Sendable, Equatable {
    public enum Start: Sendable, Equatable {
        /// Every record still retained.
        case beginning
        /// The first record whose timestamp is at or after this instant (ms since epoch).
        case timestamp(Int64)
        /// Exactly at a checkpoint's offsets: where an earlier run ended (its manifest), or the run
        /// a snapshot's tables reflect.
        case checkpoint(Checkpoint)

        /// Exactly where the run of `manifest` (read from `path`) ended.
        public static func after(_ manifest: RunManifest, path: String) throws -> Start {
            .checkpoint(try Checkpoint(manifest: manifest, path: path))
        }
    }

    public enum End: Sendable, Equatable {
        /// The high watermark when the plan is made.
        case latest
        /// Before the first record whose timestamp is at or after this instant (ms since epoch).
        case timestamp(Int64)
        /// Exactly these ends per partition (a follower's batch: what it read; a partition not
        /// named ends where it starts).
        case offsets([Int32: Int64])
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
        /// For exact ends: per partition (as a string key), the end offset.
        public var untilOffsets: [String: Int64]?

        enum CodingKeys: String, CodingKey {
            case fromBeginning = "from_beginning", since, until, after, afterRunID = "after_run_id", untilOffsets = "until_offsets"
        }
    }

    public var summary: Description {
        var d = Description(fromBeginning: false)
        switch start {
        case .beginning: d.fromBeginning = true
        case .timestamp(let ms): d.since = InstantParser.format(ms)
        case .checkpoint(let checkpoint): d.after = checkpoint.source; d.afterRunID = checkpoint.runID
        }
        switch end {
        case .latest: break
        case .timestamp(let ms): d.until = InstantParser.format(ms)
        case .offsets(let ends): d.untilOffsets = Dictionary(uniqueKeysWithValues: ends.map { (String($0.key), $0.value) })
        }
        return d
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
