/// Where a live verifier stands on the topic, per partition, and which records it may judge next.
///
/// A subject's rows can only be compared once both writers have applied the same records of it:
/// the follower (the shadow) reports how far it has applied, the live job's consumer group how far
/// it has read (a Flink job commits its offsets once its sink has flushed). Records below both are
/// *ready*: the subjects they touched are compared, except those that also have records above the
/// ready point, which one side may already have applied and the other not — they stay *pending*
/// and are compared once the ready point passes their last record. Pure: the verifier feeds it
/// what it reads.
public struct VerifyCursor: Sendable, Equatable {
    /// Records below these offsets have been judged.
    public private(set) var verified: [Int32: Int64]
    /// How far the follower has applied its batches.
    public private(set) var applied: [Int32: Int64]
    /// How far the live group has committed (nil: nothing committed on that partition).
    public private(set) var live: [Int32: Int64?] = [:]

    /// Starts with nothing judged beyond `start` (where the follower started, or what a full diff
    /// covered).
    public init(start: [Int32: Int64]) {
        verified = start
        applied = start
    }

    public mutating func followerApplied(_ ends: [Int32: Int64]) {
        for (partition, end) in ends { applied[partition] = max(applied[partition] ?? end, end) }
        for partition in ends.keys where verified[partition] == nil { verified[partition] = 0 }
    }

    public mutating func liveCommitted(_ offsets: [Int32: Int64?]) {
        live = offsets
    }

    /// Per partition, the lower of the follower's and the live group's positions, never below what
    /// was judged already: records below it are applied by both.
    public var ready: [Int32: Int64] {
        var ready: [Int32: Int64] = [:]
        for (partition, verifiedEnd) in verified {
            let both = min(applied[partition] ?? verifiedEnd, (live[partition] ?? nil) ?? verifiedEnd)
            ready[partition] = max(verifiedEnd, both)
        }
        return ready
    }

    /// Whether records wait to be judged (the ready point is past what was judged).
    public var hasReadyRecords: Bool { ready.contains { $0.value > verified[$0.key] ?? 0 } }

    /// Records the follower applied that the live group has not read yet, over all partitions.
    public var liveBehind: Int64 {
        verified.keys.reduce(0) { total, partition in
            let applied = applied[partition] ?? 0
            let live = (live[partition] ?? nil) ?? verified[partition] ?? 0
            return total + max(0, applied - live)
        }
    }

    /// Marks everything below `point` judged.
    public mutating func judged(upTo point: [Int32: Int64]) {
        for (partition, end) in point { verified[partition] = max(verified[partition] ?? end, end) }
    }

    /// The subjects to compare now: those touched at or after `verified` less those also touched at
    /// or after `ready` (both lists from the shadow's event log, in the diff's byte order).
    public static func subjectsToCompare(touchedSinceVerified: [String], touchedSinceReady: [String]) -> [String] {
        let later = Set(touchedSinceReady.map { Array($0.utf8) })
        return touchedSinceVerified.filter { !later.contains(Array($0.utf8)) }
    }
}
