import ArgumentParser
import Backfill
import Daemon
import Foundation
import Reconcile
import Store

/// `backfill follow`: keep a target a second behind the topic.
struct FollowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow",
        abstract: "Keep the target current: apply whatever arrives on the topic, batch after batch, until stopped.",
        discussion: """
        The same pipeline as `backfill run` in a loop — validate, quarantine, log, refold the \
        touched subjects in event order — with the locks and connections kept between batches. \
        Each batch is a run of the state schema, with its manifest in --manifest-dir (the newest \
        --keep-manifests are kept), so a follower killed anywhere resumes exactly, and `run \
        --after` can take over from it or it from a run.

        Start (at most one; default: where the state schema's last complete run ended):
          --from-beginning, --since INSTANT, --after MANIFEST|SNAPSHOT

        A batch is applied once records arrive and --min-interval has passed, or when it holds \
        --max-batch-records; while nothing arrives the follower waits without using the CPU. \
        Progress is committed as consumer group backfill-follow-<state schema> (--group), \
        without joining it, so `backfill lag` shows the follower beside the live job.

        SIGTERM or SIGINT: the batch in flight is finished, the offsets committed, exit 0; a \
        second signal exits at once. PostgreSQL or the broker going away is waited out with \
        backoff (logged; /healthz fails, backfill_follow_up drops to 0); an error no wait can \
        mend exits 2. Another follower, run or nightly of the same state schema is turned away \
        (exit 3) naming the holder.

        --verify-against LIVE_SCHEMA watches a cutover: the live job's tables are compared with \
        the target, first in full, then subject by subject as batches touch them once the live \
        job's group (--live-group) has read past their records (until then they count as \
        pending). Running totals by table and cause go to /metrics (backfill_follow_verify_*) \
        and reports/verify-latest.{md,json,html}, rewritten every --report-interval.

        --listen HOST:PORT serves /metrics (Prometheus text) and /healthz (503 when no batch or \
        idle wait has succeeded within --health-threshold, or while a component is down).

        Examples:
          backfill follow --listen 127.0.0.1:9464
          backfill follow --from-beginning --target-schema lifestream_shadow
          backfill follow --after snapshots/manifests/latest.json --min-interval 250ms
          backfill follow --verify-against lifestream --listen 127.0.0.1:9464
        """
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var lock: LockOptions
    @OptionGroup(title: "Watching a cutover") var verify: VerifyOptions

    @Flag(help: "Start at the earliest record Kafka still retains.")
    var fromBeginning = false

    @Option(help: ArgumentHelp("Start at the first record whose timestamp is at or after this instant (RFC 3339, 'now', or relative: -24h).", valueName: "instant"))
    var since: String?

    @Option(help: ArgumentHelp("Start exactly where an earlier run ended: its run manifest, or a snapshot (or its manifest.json) exported with --checkpoint.", valueName: "manifest.json|snapshot"))
    var after: String?

    @Option(help: "Schema the nine tables are written to.")
    var targetSchema = "lifestream_shadow"

    @Option(help: "Schema for the tool's own bookkeeping. Default: <target-schema>_backfill.")
    var stateSchema: String?

    @Option(help: "Where the batches' run manifests are written.")
    var manifestDir = "snapshots/manifests"

    @Option(help: "A batch ends after this many records.")
    var maxBatchRecords = 100_000

    @Option(help: ArgumentHelp("Once records arrive, more are gathered for this long before the batch is applied (250ms, 1s).", valueName: "span"))
    var minInterval = TimeSpan(argument: "100ms")!

    @Option(help: "Run manifests to keep in --manifest-dir (one is written per batch).")
    var keepManifests = 1_000

    @Option(help: "Consumer group the progress is committed as. Default: backfill-follow-<state schema>.")
    var group: String?

    @Option(help: ArgumentHelp("Serve /metrics and /healthz on this address (127.0.0.1:9464). Default: no server.", valueName: "host:port"))
    var listen: String?

    @Option(help: ArgumentHelp("/healthz fails when no batch (or idle wait) has succeeded for this long.", valueName: "span"))
    var healthThreshold = TimeSpan(argument: "60s")!

    @Option(help: "Records per ingest transaction within a batch.")
    var batchSize = 20_000

    func validate() throws {
        guard [fromBeginning, since != nil, after != nil].filter({ $0 }).count <= 1 else {
            throw ValidationError("choose at most one start: --from-beginning, --since INSTANT or --after MANIFEST|SNAPSHOT (none: where the state's last run ended)")
        }
        guard maxBatchRecords > 0, batchSize > 0, keepManifests > 0 else {
            throw ValidationError("--max-batch-records, --batch-size and --keep-manifests must be positive")
        }
        guard !targetSchema.isEmpty else { throw ValidationError("--target-schema must not be empty") }
        if let listen { do { _ = try ListenAddress(parsing: listen) } catch { throw ValidationError("\(error)") } }
        guard healthThreshold.seconds >= 1 else { throw ValidationError("--health-threshold must be at least 1s") }
        guard !output.json else { throw ValidationError("--json does not go with follow: a follower prints no result (--log-format json makes its log lines JSON; --listen serves /metrics)") }
    }

    func run() throws {
        let logger = output.makeLogger("follow")
        let outcome: DaemonOutcome
        do {
            let start: RunBounds.Start = if let since { .timestamp(try InstantParser.parse(since)) }
                else if let after { try BoundsOptions.afterStart(after) } else { .beginning }
            var run = RunOptions(topic: kafka.topic, target: .init(name: targetSchema),
                                 state: .init(name: stateSchema ?? StateSchema.defaultName(forTarget: targetSchema)),
                                 bounds: RunBounds(start: start, end: .latest), toolVersion: ToolInfo.version, manifestDirectory: manifestDir)
            run.batchSize = batchSize
            run.lockWait = try lock.seconds()
            var options = FollowOptions(run: run, startsWhereStateEnded: !fromBeginning && since == nil && after == nil)
            options.maxBatchRecords = maxBatchRecords
            options.minInterval = minInterval.duration
            options.keepManifests = keepManifests
            if let group { options.group = group }
            let status = DaemonStatus(prefix: "backfill_follow", healthThreshold: healthThreshold.duration)
            var follower = Follower(kafka: try kafka.configuration(), postgres: try database.configuration(), options: options,
                                    logger: logger, status: status)
            let verifier = try verify.options(target: targetSchema, stateSchema: run.state.name, topic: kafka.topic, database: database).map {
                LiveVerifier(options: $0, kafka: try kafka.configuration(), registry: status.registry, prefix: "backfill_follow_verify", logger: logger)
            }
            if let verifier { follower.onApplied = { ends in verifier.start(at: ends) } }
            let configured = follower
            let runner = DaemonRunner(name: "follow", listen: try listen.map { try ListenAddress(parsing: $0) }, status: status, logger: logger)
            outcome = runner.runBlocking { stop in
                defer { verifier?.stop() }
                try configured.run(stop: stop)
            }
            if let summary = verifier?.status, !output.quiet { printErrorLine("verification: \(summary.line)") }
        } catch {
            throw fail(error)
        }
        if case .failed(let error) = outcome { throw fail(error) }  // exit 2, or 3 when another writer holds the locks
        if let message = outcome.errorMessage {
            printErrorLine(message)
            throw ExitCode(outcome.exitCode)
        }
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }
}
