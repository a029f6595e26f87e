import Foundation

/// Which diff the nightly runs (`--diff`, `--full-every`; BACKFILL_DIFF, BACKFILL_FULL_EVERY):
/// incremental by default — only the subjects with records since the last verified point, and
/// those that differed there — and a full diff when asked, when there is no verified point, or
/// when the last full one is older than `fullEvery`. Pure: `decide` is given what the state says.
public struct DiffPolicy: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        case incremental, full
    }

    public var mode: Mode
    /// Seconds after a full diff before the next night runs one anyway; nil: never forced.
    public var fullEvery: TimeInterval?

    public init(mode: Mode = .incremental, fullEvery: TimeInterval? = 7 * 86_400) {
        self.mode = mode
        self.fullEvery = fullEvery
    }

    /// `incremental` or `full`; `origin` names where the value came from, for the error.
    public static func mode(_ text: String, origin: String) throws -> Mode {
        guard let mode = Mode(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw OperationsError(.configuration, "\(origin) must be incremental or full, not '\(text)'")
        }
        return mode
    }

    /// A span such as `7d`, `36h`, `90m`, `2w`, `3600s` (or `0`: every night; `never`: only when
    /// there is no verified point).
    public static func interval(_ text: String, origin: String) throws -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "never" { return nil }
        if trimmed == "0" { return 0 }
        let scales: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]
        guard let unit = trimmed.last, let scale = scales[unit], let amount = Int(trimmed.dropLast()), amount >= 0 else {
            throw OperationsError(.configuration, "\(origin) must be a span such as 7d, 36h, 90m or 2w (or 0 for every night, never for only when there is no verified point), not '\(text)'")
        }
        return TimeInterval(amount) * scale
    }

    /// What the state says about the pair's verified points.
    public struct History: Sendable, Equatable {
        /// The newest verified point (any scope), nil when there is none.
        public var lastVerified: Date?
        /// The newest full one.
        public var lastFull: Date?
        /// Runs since the last point that read records before its checkpoint (an incremental diff
        /// would not see them).
        public var runsBeforeCheckpoint: [String]

        public init(lastVerified: Date?, lastFull: Date?, runsBeforeCheckpoint: [String] = []) {
            self.lastVerified = lastVerified
            self.lastFull = lastFull
            self.runsBeforeCheckpoint = runsBeforeCheckpoint
        }
    }

    public struct Decision: Sendable, Equatable {
        public var full: Bool
        /// Why, in words, for the summary.
        public var reason: String
    }

    public func decide(_ history: History, now: Date) -> Decision {
        if mode == .full { return Decision(full: true, reason: "full diffs were asked for (--diff full)") }
        guard history.lastVerified != nil else {
            return Decision(full: true, reason: "there is no verified point yet, so there is nothing to diff from")
        }
        if !history.runsBeforeCheckpoint.isEmpty {
            return Decision(full: true, reason: "run\(history.runsBeforeCheckpoint.count == 1 ? "" : "s") \(history.runsBeforeCheckpoint.joined(separator: ", ")) read records before the last verified point's checkpoint")
        }
        guard let fullEvery else { return Decision(full: false, reason: "incremental since the last verified point (--full-every never)") }
        guard let lastFull = history.lastFull else {
            return Decision(full: true, reason: "no full diff has been recorded yet")
        }
        let age = now.timeIntervalSince(lastFull)
        if age >= fullEvery {
            return Decision(full: true, reason: "the last full diff was \(Self.describe(age)) ago (--full-every \(Self.describe(fullEvery)))")
        }
        return Decision(full: false, reason: "incremental since the last verified point; the last full diff was \(Self.describe(age)) ago (--full-every \(Self.describe(fullEvery)))")
    }

    /// `7d`, `36h`, `5m`, `12s`: the largest unit that keeps one decimal or less.
    static func describe(_ seconds: TimeInterval) -> String {
        for (unit, scale) in [("d", 86_400.0), ("h", 3_600.0), ("m", 60.0)] where seconds >= scale {
            let value = seconds / scale
            return value == value.rounded() ? "\(Int(value))\(unit)" : String(format: "%.1f", value) + unit
        }
        return "\(Int(seconds))s"
    }
}
