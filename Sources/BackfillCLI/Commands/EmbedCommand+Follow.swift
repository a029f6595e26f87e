import ArgumentParser
import Daemon
import Embeddings
import Foundation
import Store

/// The flags only `embed --follow` takes.
struct EmbedFollowOptions: ParsableArguments {
    @Flag(help: "Keep the table current: embed new messages as they arrive, until SIGTERM.")
    var follow = false

    @Option(help: ArgumentHelp("With --follow: serve /metrics and /healthz on HOST:PORT (e.g. 127.0.0.1:9465).", valueName: "host:port"))
    var listen: String?

    @Option(help: ArgumentHelp("With --follow: /healthz fails when no batch has committed (nor an idle poll found nothing to do) for this long, or while a component is down.", valueName: "seconds"))
    var healthThreshold: Double = 120

    @Option(help: ArgumentHelp("With --follow: the consumer group the progress is committed as (offset commit without joining), for `backfill lag`; read back only when the table has no checkpoint yet. Default: $BACKFILL_EMBED_GROUP, else $KAFKA_GROUP_ID, else backfill-embed-<schema>.<table>.", valueName: "group"))
    var group: String?

    @Flag(help: "With --follow: forget the checkpoint in <table>_progress and start at the start given (rows already current are still skipped).")
    var resetCheckpoint = false

    @Option(help: ArgumentHelp("With --follow: how long the first record of a partial batch waits for more (when a worker is free). Default: 100.", valueName: "ms"))
    var lingerMs: Int = 100

    func validate() throws {
        if let listen { _ = try ListenAddress(parsing: listen) }
        guard healthThreshold > 0, healthThreshold.isFinite else { throw ValidationError("--health-threshold must be a positive number of seconds") }
        guard (0...60_000).contains(lingerMs) else { throw ValidationError("--linger-ms must be between 0 and 60000") }
        if group?.isEmpty == true { throw ValidationError("--group must not be empty") }
    }

    func rejectWithoutFollow() throws {
        let given = [("--listen", listen != nil), ("--group", group != nil), ("--reset-checkpoint", resetCheckpoint)]
        if let (flag, _) = given.first(where: { $0.1 }) {
            throw ValidationError("\(flag) goes with --follow only")
        }
    }
}

extension EmbedCommand {
    /// `embed --follow`: the follower under `DaemonRunner` (status server, SIGTERM, exit codes).
    func runFollower() throws {
        let logger = output.makeLogger("embed-follow")
        let outcome: DaemonOutcome
        do {
            let resolved = try settings.resolve(group: follow.group)
            let database = try resolved.database()
            var options = FollowOptions()
            options.topic = resolved.topic
            options.table = try resolved.table()
            options.group = resolved.group
            options.start = try bounds.start()
            options.resetCheckpoint = follow.resetCheckpoint
            options.batchSize = batchSize
            options.concurrency = concurrency
            options.retry.maxRetries = maxRetries ?? options.retry.maxRetries
            options.linger = .milliseconds(follow.lingerMs)
            options.expectedDimension = try resolved.dimension()
            options.lockWait = try lock.seconds()
            options.buildIndex = buildIndex
            let status = DaemonStatus(prefix: EmbedFollower.metricPrefix, healthThreshold: .milliseconds(Int64(follow.healthThreshold * 1_000)))
            let follower = EmbedFollower(kafka: try resolved.kafka(), postgres: database.configuration, source: try source(resolved),
                                         status: status, logger: logger)
            logger.info("following", metadata: [
                "topic": "\(options.topic)", "table": "\(options.table.display)", "group": "\(options.effectiveGroup)",
                "database": "\(database.source.display)", "database_from": "\(database.source.source)",
            ])
            let runner = DaemonRunner(name: "embed-follow", listen: try follow.listen.map { try ListenAddress(parsing: $0) },
                                      status: status, logger: logger)
            let settled = options
            outcome = runner.runBlocking { stop in try follower.run(settled, stop: stop) }
        } catch {
            throw fail(error)
        }
        switch outcome {
        case .finished, .stopped:
            return
        case .failed(let error):
            throw fail(error)
        case .cannotListen(let error):
            throw fail(error)
        }
    }
}
