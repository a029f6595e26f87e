/// Every setting the config file, the environment and `.env` may hold, with what it is for.
///
/// The connection keys are the seeds' `.env` names; the others start with `BACKFILL_`. The
/// config file accepts exactly these and their aliases (a typo is an error); the environment is
/// read for them only.
///
/// An alias is another seed's name for the same setting (the embedding job's
/// `KAFKA_BOOTSTRAP_SERVERS` for `KAFKA_BROKERS`), read so that one `.env` drives both. The
/// tool's own name wins wherever it is set; an alias counts only when the own name is set in no
/// layer (`SettingLayers.resolve`).
public struct SettingKey: Sendable, Hashable {
    public var name: String
    /// Shown masked (`***`) everywhere: `config check`, logs, summaries.
    public var isSecret: Bool
    /// The flag that overrides it, as `config check` names it.
    public var flag: String?
    public var help: String
    /// Used when no layer sets it (nil: unset).
    public var defaultValue: String?
    /// Other names read for it when its own is set nowhere, in order.
    public var aliases: [String]

    public init(_ name: String, secret: Bool = false, flag: String? = nil, default defaultValue: String? = nil,
                aliases: [String] = [], _ help: String) {
        self.name = name
        self.isSecret = secret
        self.flag = flag
        self.help = help
        self.defaultValue = defaultValue
        self.aliases = aliases
    }

    public static let databaseURL = SettingKey("DATABASE_URL", flag: "--database-url", "PostgreSQL URL or libpq conninfo (its password is masked)")
    public static let kafkaBrokers = SettingKey("KAFKA_BROKERS", flag: "--brokers", aliases: ["KAFKA_BOOTSTRAP_SERVERS"], "Kafka bootstrap servers, host:port[,host:port]")
    public static let kafkaSASLUsername = SettingKey("KAFKA_SASL_USERNAME", "SASL user; when set, SASL_SSL is used")
    public static let kafkaSASLPassword = SettingKey("KAFKA_SASL_PASSWORD", secret: true, "SASL password")
    public static let kafkaSASLMechanism = SettingKey("KAFKA_SASL_MECHANISM", default: "PLAIN", "SASL mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)")
    public static let kafkaSecurityProtocol = SettingKey("KAFKA_SECURITY_PROTOCOL", "security.protocol (default: SASL_SSL with a username, else PLAINTEXT)")
    public static let embeddingServiceURL = SettingKey("EMBEDDING_SERVICE_URL", "embedding service base URL (GET /health is checked)")
    public static let topic = SettingKey("BACKFILL_TOPIC", flag: "--topic", default: "events.raw", "the events topic")
    public static let liveSchema = SettingKey("BACKFILL_LIVE_SCHEMA", flag: "--live-schema", default: "lifestream", "schema of the live tables (the diff's left side)")
    public static let shadowSchema = SettingKey("BACKFILL_SHADOW_SCHEMA", flag: "--shadow-schema", default: "lifestream_shadow", "schema the nightly rebuilds into (the diff's right side)")
    public static let stateSchema = SettingKey("BACKFILL_STATE_SCHEMA", flag: "--state-schema", "event log and progress of the shadow (default: <shadow>_backfill)")
    public static let manifestDir = SettingKey("BACKFILL_MANIFEST_DIR", flag: "--manifest-dir", default: "snapshots/manifests", "where run manifests go; latest.json there is where the next night starts")
    public static let snapshotsDir = SettingKey("BACKFILL_SNAPSHOTS_DIR", flag: "--snapshots-dir", default: "snapshots", "where nightly snapshots (nightly-<time>) go")
    public static let reportsDir = SettingKey("BACKFILL_REPORTS_DIR", flag: "--reports-dir", default: "reports", "where diff reports and nightly summaries go")
    public static let metricsFile = SettingKey("BACKFILL_METRICS_FILE", flag: "--metrics-file", "Prometheus textfile (default: <reports>/backfill.prom)")
    public static let keepDays = SettingKey("BACKFILL_KEEP_DAYS", flag: "--keep-days", "retention: prune nightly snapshots and reports older than this many days")
    public static let keep = SettingKey("BACKFILL_KEEP", flag: "--keep", "retention: keep at least the newest N of each kind")
    public static let maxDiffRows = SettingKey("BACKFILL_MAX_DIFF_ROWS", flag: "--max-diff-rows", default: "0", "differing rows tolerated before the night counts as diverged")
    public static let rules = SettingKey("BACKFILL_RULES", flag: "--rules", "verdict rules file (TOML) that diff, cutover-report and nightly judge by")
    public static let diff = SettingKey("BACKFILL_DIFF", flag: "--diff", default: "incremental", "the nightly's diff: incremental (the subjects with records since the last verified point, and those that differed there) or full")
    public static let fullEvery = SettingKey("BACKFILL_FULL_EVERY", flag: "--full-every", default: "7d", "a full diff at least this often (7d, 36h, …; 0 every night, never only when there is no verified point)")
    public static let lockWait = SettingKey("BACKFILL_LOCK_WAIT", flag: "--lock-wait", default: "30", "seconds a command that writes a schema waits for another's lock on it before giving up (exit 3)")


    // The embedding backfill and follower (`embed`): their own names, and the embedding job's
    // (seed 004) as aliases. PGVECTOR_HOST … PGVECTOR_PASSWORD are no alias of one setting: they
    // compose the embeddings database's connection (`EmbedDatabase`).
    public static let embedDatabaseURL = SettingKey("BACKFILL_EMBED_DATABASE_URL", flag: "--database-url",
                                                    "PostgreSQL of the embeddings table for embed (default: PGVECTOR_* when set, else DATABASE_URL)")
    public static let pgvectorHost = SettingKey("PGVECTOR_HOST", "the embedding job's PostgreSQL host; with PGVECTOR_DB, _USER, _PASSWORD the embeddings database")
    public static let pgvectorPort = SettingKey("PGVECTOR_PORT", "port for PGVECTOR_HOST (not a seed name; default libpq's: $PGPORT, else 5432)")
    public static let pgvectorDatabase = SettingKey("PGVECTOR_DB", "the embedding job's database name")
    public static let pgvectorUser = SettingKey("PGVECTOR_USER", "the embedding job's PostgreSQL user")
    public static let pgvectorPassword = SettingKey("PGVECTOR_PASSWORD", secret: true, "the embedding job's PostgreSQL password")
    public static let embedTopic = SettingKey("BACKFILL_EMBED_TOPIC", flag: "--topic", default: "text-messages", aliases: ["KAFKA_INPUT_TOPIC"],
                                              "the text-messages topic embed reads")
    public static let embedSchema = SettingKey("BACKFILL_EMBED_SCHEMA", flag: "--schema", default: "public", "schema of the embeddings table")
    public static let embedTable = SettingKey("BACKFILL_EMBED_TABLE", flag: "--table", default: "text_message_embeddings", aliases: ["PGVECTOR_TABLE"],
                                              "the embeddings table (a name without schema)")
    public static let embedDimension = SettingKey("BACKFILL_EMBED_DIMENSION", flag: "--dimension", aliases: ["PGVECTOR_DIMENSION"],
                                                  "dimension the vectors must have; checked against the service and the table")
    public static let embedGroup = SettingKey("BACKFILL_EMBED_GROUP", flag: "--group", aliases: ["KAFKA_GROUP_ID"],
                                              "consumer group embed --follow commits its progress as (default: backfill-embed-<schema>.<table>)")

    public static let all: [SettingKey] = [
        databaseURL, kafkaBrokers, kafkaSASLUsername, kafkaSASLPassword, kafkaSASLMechanism, kafkaSecurityProtocol,
        embeddingServiceURL, topic, liveSchema, shadowSchema, stateSchema, manifestDir, snapshotsDir, reportsDir,
        metricsFile, keepDays, keep, maxDiffRows, rules, diff, fullEvery, lockWait,
        embedDatabaseURL, pgvectorHost, pgvectorPort, pgvectorDatabase, pgvectorUser, pgvectorPassword,
        embedTopic, embedSchema, embedTable, embedDimension, embedGroup,
    ]

    public static func named(_ name: String) -> SettingKey? { all.first { $0.name == name } }

    /// The setting `alias` is another name of.
    public static func aliased(_ alias: String) -> SettingKey? { all.first { $0.aliases.contains(alias) } }

    /// Whether a config file may hold `name`: a setting or an alias of one.
    public static func isKnown(_ name: String) -> Bool { named(name) != nil || aliased(name) != nil }

    /// The config file variable that points at the config file itself (environment only).
    public static let configPathVariable = "BACKFILL_CONFIG"
    /// The config file used when neither `--config` nor BACKFILL_CONFIG names one.
    public static let defaultConfigPath = "backfill.conf"
}
