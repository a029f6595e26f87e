import Daemon
import Store

/// Everything `backfill embed --follow` needs besides the connections, the service and the
/// daemon's status.
public struct FollowOptions: Sendable {
    public var topic: String = "text-messages"
    public var table = EmbeddingTable()
    /// Where to start when `<table>_progress` has no row for the topic (the first start, or
    /// after `resetCheckpoint`); nil: the consumer group's committed offsets, else an error.
    public var start: RunBounds.Start?
    /// Forget the table's checkpoint for the topic and start at `start`.
    public var resetCheckpoint = false
    /// The consumer group the progress is committed as (offset commit without joining), for
    /// `backfill lag` and dashboards. Default: `backfill-embed-<schema>.<table>`.
    public var group: String?
    /// Texts per `/generate` request and at most this many records per batch.
    public var batchSize = 128
    /// Batches in flight at once (requests to the service); commits stay in order.
    public var concurrency = 4
    /// Quick retries of one request (429, 5xx, a dropped connection) before the service counts
    /// as down; the follower then waits for it with `serviceBackoff`, however long.
    public var retry = RetryPolicy(maxRetries: 2, initialDelay: 0.25, maxDelay: 1, maxRetryAfter: 30)
    /// Backoff while a component is down. The service's is capped lower than the standard 30 s:
    /// a backlog builds while it is down, and a probe every few seconds costs it nothing.
    public var serviceBackoff = BackoffPolicy.follower
    public var backoff = BackoffPolicy.standard
    /// How long the first record of a batch waits for more before the batch is cut (when a
    /// worker is free); a full batch is cut at once.
    public var linger: Duration = .milliseconds(100)
    /// The longest a poll waits when nothing arrives: how soon an idle follower sees a stop,
    /// a lost lease or a new record (a record wakes it at once).
    public var idleWait: Duration = .milliseconds(500)
    /// The dimension the configuration expects (`--dimension`, PGVECTOR_DIMENSION); checked
    /// against the service's and the table's.
    public var expectedDimension: Int?
    /// Seconds to wait for the table's locks at start.
    public var lockWait: Double = 30
    /// Create the HNSW index (if missing) before following; pgvector keeps it current after.
    public var buildIndex = false
    /// How often the consumer group is committed and lag measured.
    public var monitorInterval: Duration = .seconds(1)

    public init() {}

    /// `backfill-embed-<schema>.<table>`: one group per table, so two followers of one topic
    /// into two tables show apart in `backfill lag`.
    public static func defaultGroup(for table: EmbeddingTable) -> String {
        "backfill-embed-\(table.schema).\(table.name)"
    }

    public var effectiveGroup: String { group ?? Self.defaultGroup(for: table) }
}

extension BackoffPolicy {
    /// 250 ms doubling to 5 s: a recovered embedding service is found within 5 s.
    public static let follower = try! BackoffPolicy(initial: .milliseconds(250), multiplier: 2, maximum: .seconds(5))
}
