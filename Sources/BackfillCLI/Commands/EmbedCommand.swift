import ArgumentParser
import Backfill
import Display
import Embeddings
import Foundation
import Operations

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed text messages into pgvector: history, gaps, re-embedding after a model change — and, with --follow, the stream as it arrives.",
        discussion: """
        Bounds work as for `backfill run`: --from-beginning, --since INSTANT or --after MANIFEST \
        (an embed manifest), optionally --until INSTANT.

        What happens: the service's /health gives the model and dimension; the table (and the \
        pgvector extension) is created if missing, and a table whose vector(n) differs from the \
        service's dimension (or from --dimension) is an error. The ranges are read by assignment \
        (no consumer group), records that break the contract go to <table>_quarantine with a \
        reason, and the newest record per id wins. Rows that are already current (same text, \
        same model) are skipped; the rest are embedded in batches of --batch-size with \
        --concurrency requests in flight, each batch loaded with COPY and one upsert in its own \
        transaction. 429, 5xx and dropped connections are retried with backoff (Retry-After \
        honoured); a batch the service refuses with a 4xx is split until the one bad text is \
        found and quarantined; a vector with NaN, Infinity or the wrong length is never stored. \
        A killed run started again redoes nothing that was committed. A manifest is written to \
        --manifest-dir.

        --follow keeps the table current instead, as a long-running process with the same \
        guarantees: new messages are embedded within about --linger-ms plus one request, in \
        batches of up to --batch-size (fuller while the service is busy), --concurrency in \
        flight, committed in order together with the checkpoint in <table>_progress. It starts \
        from that checkpoint; without one, from the start given, else where the consumer group \
        (--group) left off. It waits out the embedding service, PostgreSQL and the broker (logs, \
        /healthz and /metrics say so); a change of the service's model or dimension stops it \
        (exit 2). SIGTERM: the batches handed to the service are finished and committed, then \
        exit 0; SIGKILL: the next start resumes at the checkpoint. Progress is committed as the \
        consumer group, for `backfill lag --topic <topic> --group <group>`.

        Settings: each flag also comes from the config file, .env or the environment under the \
        tool's name (BACKFILL_EMBED_TOPIC, _SCHEMA, _TABLE, _DIMENSION, _GROUP, \
        _DATABASE_URL, KAFKA_BROKERS, EMBEDDING_SERVICE_URL) or the embedding job's \
        (KAFKA_INPUT_TOPIC, PGVECTOR_TABLE, PGVECTOR_DIMENSION, KAFKA_GROUP_ID, \
        KAFKA_BOOTSTRAP_SERVERS, PGVECTOR_HOST/_PORT/_DB/_USER/_PASSWORD); the tool's names win. \
        See `backfill config check`.

        Locks: the table's own (a second embed or follower of it waits) and its schema's in \
        shared mode (embeds into other tables of the schema go on; a run, replay, import or \
        cleanup of the schema waits, and this embed waits for them). After --lock-wait \
        seconds: exit 3.

        Examples:
          backfill embed --from-beginning --build-index
          backfill embed --after snapshots/manifests/embeddings/latest.json
          backfill embed --since -7d --service-url http://10.0.0.5:8080
          backfill embed --follow --from-beginning --listen 127.0.0.1:9465
        """
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var bounds: BoundsOptions
    @OptionGroup var settings: EmbedSettingsOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var lock: LockOptions
    @OptionGroup var follow: EmbedFollowOptions

    @Option(help: "Texts per request to the service, and rows per database transaction.")
    var batchSize = 128

    @Option(help: "Batches in flight at once (requests to the service, each with its own database connection).")
    var concurrency = 4

    @Option(help: ArgumentHelp("Retries of one batch (429, 5xx, dropped connections) before the run fails; with --follow, before the service counts as down and is waited for. Default: 10; with --follow, 2.", valueName: "n"))
    var maxRetries: Int?

    @Option(help: "Seconds one request to the service may take.")
    var requestTimeout = 120.0

    @Flag(help: "Create the HNSW index for cosine distance (vector_cosine_ops) if it is missing: after the load, or with --follow before following.")
    var buildIndex = false

    @Option(help: "Where embed manifests are written.")
    var manifestDir = "snapshots/manifests/embeddings"

    @Flag(help: .hidden)
    var syntheticVectors = false

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard concurrency > 0, concurrency <= 64 else { throw ValidationError("--concurrency must be between 1 and 64") }
        if let maxRetries, maxRetries < 0 { throw ValidationError("--max-retries must not be negative") }
        guard requestTimeout > 0 else { throw ValidationError("--request-timeout must be positive") }
        if follow.follow {
            guard bounds.until == nil else { throw ValidationError("--until does not go with --follow: a follower has no end (run `backfill embed` with --until for a bounded window)") }
            guard !output.json else { throw ValidationError("--json does not go with --follow: a follower prints no result (--log-format json makes its log lines JSON)") }
            guard !follow.resetCheckpoint || bounds.hasStart else {
                throw ValidationError("--reset-checkpoint needs a start: --from-beginning, --since INSTANT or --after MANIFEST")
            }
        } else {
            try bounds.requireStart()
            try follow.rejectWithoutFollow()
        }
    }

    /// `--service-url`, else EMBEDDING_SERVICE_URL from the environment, .env or config file.
    func source(_ resolved: EmbedSettings) throws -> any EmbeddingSource {
        if syntheticVectors { return SyntheticVectors() }
        guard let text = resolved.serviceURL, !text.isEmpty else {
            throw EmbeddingsError(.service, "no embedding service: pass --service-url or set EMBEDDING_SERVICE_URL (scripts/servers.sh start runs the reference service)")
        }
        return ServiceClient(baseURL: try ServiceClient.parseURL(text), timeout: requestTimeout, connections: concurrency)
    }

    func run() throws {
        if follow.follow { return try runFollower() }
        let logger = output.makeLogger("embed")
        let progress = output.makeProgress(logger)
        do {
            let resolved = try settings.resolve()
            let database = try resolved.database()
            logger.info("embeddings database", metadata: ["database": "\(database.source.display)", "from": "\(database.source.source)"])
            let runner = EmbedRunner(kafka: try resolved.kafka(), postgres: database.configuration, source: try source(resolved), logger: logger)
            runner.onProgress = { event in
                switch event {
                case .planned: break
                case .phase(let name): progress.begin(name)
                case .read(let done, let total): progress.update("read", done: done, total: total, unit: "records")
                case .embedded(let done, let total): progress.update("embed", done: done, total: total, unit: "texts")
                }
            }
            var options = EmbedOptions(bounds: try bounds.bounds(), toolVersion: ToolInfo.version, manifestDirectory: manifestDir)
            options.topic = resolved.topic
            options.table = try resolved.table()
            options.expectedDimension = try resolved.dimension()
            options.batchSize = batchSize
            options.concurrency = concurrency
            options.buildIndex = buildIndex
            options.retry.maxRetries = maxRetries ?? 10
            options.lockWait = try lock.seconds()
            let manifest = try runner.run(options)
            progress.finish()
            if output.json {
                printJSON(try manifest.encoded())
            } else {
                print(EmbedSummary.text(manifest))
            }
        } catch {
            progress.finish()
            throw fail(error)
        }
    }
}

enum EmbedSummary {
    static func text(_ m: EmbedManifest) -> String {
        let c = m.counts
        var lines = [
            "embed \(m.runID) → \(Display.name(m.targetSchema)).\(Display.name(m.table)) (\(Display.line(m.model)), \(m.dimension) dimensions, \(String(format: "%.1f", m.durations["total"] ?? 0)) s)",
            "  records: \(c.read) read = \(c.valid) valid (\(c.duplicate) superseded by a newer record of the same id) + \(c.read - c.valid) quarantined",
            "  rows: \(c.skippedCurrent) already current, \(c.embedded) embedded" + (c.embedded == 0 ? " (nothing to do)" : ""),
            "  quarantined: \(c.quarantined) (in \(Display.name(m.targetSchema)).\(Display.name(m.table + "_quarantine"))), retries: \(c.retries)",
        ]
        if let seconds = m.durations["embed"], seconds > 0, c.embedded > 0 {
            lines.append(String(format: "  embedding: %.0f texts/s", Double(c.embedded) / seconds))
        }
        for note in m.notes { lines.append("  note: \(Display.line(note))") }
        lines.append("  manifest: \(m.runID).json (next run: --after <manifest-dir>/latest.json)")
        return lines.joined(separator: "\n")
    }
}
