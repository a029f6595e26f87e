import Store

/// What a follower is told besides the connections: a run's options (target, state, bounds to
/// start from) and how it cuts the stream into batches.
public struct FollowOptions: Sendable {
    /// Target, state schema, topic, the start (`bounds.start`; `bounds.end` is ignored) and the
    /// run settings every batch uses. `nil` start: where the state's last complete run ended.
    public var run: RunOptions
    public var startsWhereStateEnded: Bool
    /// A batch ends after this many records (a backlog is caught up in batches this size).
    public var maxBatchRecords = 100_000
    /// Once a record arrives, more are gathered for this long before the batch is applied: the
    /// shortest time between two batches, traded against the delay before rows are visible.
    public var minInterval: Duration = .milliseconds(100)
    /// How long one wait for records blocks before the follower looks at the topic again (new
    /// partitions, lag, the broker's health).
    public var idleWait: Duration = .seconds(1)
    /// Run manifests kept in the manifest folder (one is written per batch); older ones are deleted.
    public var keepManifests = 1_000
    /// Finished runs kept in the state schema's `runs` table; older ones are deleted.
    public var keepRuns = 10_000
    /// Progress is committed as this consumer group (without joining it), for `backfill lag`.
    public var group: String
    /// How often the group's offsets are committed while batches are applied.
    public var commitInterval: Duration = .seconds(1)

    public init(run: RunOptions, startsWhereStateEnded: Bool) {
        self.run = run
        self.run.defersCommitFlush = true
        self.startsWhereStateEnded = startsWhereStateEnded
        group = Self.group(stateSchema: run.state.name)
    }

    /// `backfill-follow-<state schema>`: the group `backfill lag` shows beside the live job's.
    public static func group(stateSchema: String) -> String { "backfill-follow-\(stateSchema)" }
}
