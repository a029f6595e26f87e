import ArgumentParser
import Backfill
import Display
import Embeddings
import Foundation
import Operations

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Backfill text-message embeddings into pgvector: history, gaps, and re-embedding after a model change.",
        discussion: """
        Bounds work as for `backfill run`: --from-beginning, --since INSTANT or --after MANIFEST \
        (an embed manifest), optionally --until INSTANT.

        What happens: the service's /health gives the model and dimension; the table (and the \
        pgvector extension) is created if missing, and a table whose vector(n) differs from the \
        service's dimension is an error. The ranges are read by assignment (no consumer group), \
        records that break the contract go to <table>_quarantine with a reason, and the newest \
        record per id wins. Rows that are already current (same text, same model) are skipped; \
        the rest are embedded in batches of --batch-size with --concurrency requests in flight, \
        each batch loaded with COPY and one upsert in its own transaction. 429, 5xx and dropped \
        connections are retried with backoff (Retry-After honoured); a batch the service refuses \
        with a 4xx is split until the one bad text is found and quarantined; a vector with NaN, \
        Infinity or the wrong length is never stored. A killed run started again redoes nothing \
        that was committed. A manifest is written to --manifest-dir.

        Locks: the table's own (a second embed of it waits) and its schema's in shared mode \
        (embeds into other tables of the schema go on; a run, replay, import or cleanup of the \
        schema waits, and this embed waits for them). After --lock-wait seconds: exit 3.

        Examples:
          backfill embed --from-beginning --build-index
          backfill embed --after snapshots/manifests/embeddings/latest.json
          backfill embed --since -7d --service-url http://10.0.0.5:8080
        """
    )

    @OptionGroup var bounds: BoundsOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var lock: LockOptions

    @Option(name: .customLong("brokers"), help: ArgumentHelp("Kafka bootstrap servers. Default: $KAFKA_BROKERS.", valueName: "host:port,…"))
    var brokers: String?

    @Option(help: "The topic of text messages ({\"id\", \"text\"} JSON values).")
    var topic = "text-messages"

    @Option(help: ArgumentHelp("Base URL of the embedding service. Default: $EMBEDDING_SERVICE_URL.", valueName: "url"))
    var serviceURL: String?

    @Option(help: "Schema of the embeddings table.")
    var schema = "public"

    @Option(help: "The embeddings table (its quarantine table is <table>_quarantine).")
    var table = "text_message_embeddings"

    @Option(help: "Texts per request to the service, and rows per database transaction.")
    var batchSize = 128

    @Option(help: "Batches in flight at once (requests to the service, each with its own database connection).")
    var concurrency = 4

    @Option(help: "Retries of one batch (429, 5xx, dropped connections) before the run fails.")
    var maxRetries = 10

    @Option(help: "Seconds one request to the service may take.")
    var requestTimeout = 120.0

    @Flag(help: "After the load, create the HNSW index for cosine distance (vector_cosine_ops) if it is missing.")
    var buildIndex = false

    @Option(help: "Where embed manifests are written.")
    var manifestDir = "snapshots/manifests/embeddings"

    @Flag(help: .hidden)
    var syntheticVectors = false

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard concurrency > 0, concurrency <= 64 else { throw ValidationError("--concurrency must be between 1 and 64") }
        guard maxRetries >= 0 else { throw ValidationError("--max-retries must not be negative") }
        guard requestTimeout > 0 else { throw ValidationError("--request-timeout must be positive") }
        guard !topic.isEmpty else { throw ValidationError("--topic must not be empty") }
    }

    /// `--service-url`, else EMBEDDING_SERVICE_URL from the environment, .env or config file.
    func source() throws -> any EmbeddingSource {
        if syntheticVectors { return SyntheticVectors() }
        guard let text = try serviceURL ?? Environment.value(.embeddingServiceURL), !text.isEmpty else {
            throw EmbeddingsError(.service, "no embedding service: pass --service-url or set EMBEDDING_SERVICE_URL (scripts/servers.sh start runs the reference service)")
        }
        return ServiceClient(baseURL: try ServiceClient.parseURL(text), timeout: requestTimeout, connections: concurrency)
    }

    func run() throws {
        let logger = output.makeLogger("embed")
        let progress = output.makeProgress(logger)
        do {
            let runner = EmbedRunner(kafka: try KafkaOptions.configuration(brokers: brokers), postgres: try database.configuration(),
                                     source: try source(), logger: logger)
            runner.onProgress = { event in
                switch event {
                case .planned: break
                case .phase(let name): progress.begin(name)
                case .read(let done, let total): progress.update("read", done: done, total: total, unit: "records")
                case .embedded(let done, let total): progress.update("embed", done: done, total: total, unit: "texts")
                }
            }
            var options = EmbedOptions(bounds: try bounds.bounds(), toolVersion: ToolInfo.version, manifestDirectory: manifestDir)
            options.topic = topic
            options.table = EmbeddingTable(schema: schema, name: table)
            options.batchSize = batchSize
            options.concurrency = concurrency
            options.buildIndex = buildIndex
            options.retry.maxRetries = maxRetries
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
