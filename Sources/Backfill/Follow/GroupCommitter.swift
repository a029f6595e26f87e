import Daemon
import Kafka
import Logging
import Store

/// Commits a follower's progress as a consumer group (without joining it), at most once per
/// `interval`, so `backfill lag` shows the follower beside the live job. The checkpoint that
/// counts is the state schema's; a commit that fails is only logged and tried again later.
struct GroupCommitter {
    let admin: KafkaAdmin
    let group: String
    let topic: String
    let interval: Duration
    let logger: Logger
    private var last = ContinuousClock.now - .seconds(3600)
    private var committed: [Int32: Int64] = [:]

    init(admin: KafkaAdmin, group: String, topic: String, interval: Duration, logger: Logger) {
        self.admin = admin
        self.group = group
        self.topic = topic
        self.interval = interval
        self.logger = logger
    }

    mutating func offer(_ offsets: [Int32: Int64], status: DaemonStatus) {
        guard ContinuousClock.now - last >= interval else { return }
        commitNow(offsets, status: status)
    }

    mutating func commitNow(_ offsets: [Int32: Int64], status: DaemonStatus) {
        guard offsets != committed else { return }
        last = ContinuousClock.now
        do {
            try admin.commitOffsets(group: group, topic: topic, offsets: offsets, timeout: .seconds(5))
            committed = offsets
        } catch {
            status.countRetry("kafka")
            logger.warning("could not commit the follower's offsets as group \(group); trying again after the next batch", metadata: ["error": "\(error)"])
        }
    }
}

/// Keeps a follower's leftovers in bounds: run manifests in the manifest folder and finished runs
/// in the state schema, pruned every hundred batches.
struct Housekeeping {
    let options: FollowOptions
    private var batches = 0

    init(options: FollowOptions) { self.options = options }

    mutating func afterBatch(session: RunSession, logger: Logger) {
        batches += 1
        guard batches % 100 == 0 else { return }
        do {
            try RunLedger(state: options.run.state).pruneFinished(keeping: options.keepRuns, db: session.db)
            try ManifestFolder(path: options.run.manifestDirectory).prune(keeping: options.keepManifests)
        } catch {
            logger.warning("could not prune old runs and manifests; trying again later", metadata: ["error": "\(error)"])
        }
    }
}
