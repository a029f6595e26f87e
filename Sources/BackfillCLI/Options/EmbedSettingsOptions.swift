import ArgumentParser
import Embeddings
import Kafka
import Operations
import Postgres

/// Where `backfill embed` reads and writes, as flags; each also comes from the config file,
/// `.env` or the environment under its own name (BACKFILL_EMBED_*, KAFKA_BROKERS,
/// EMBEDDING_SERVICE_URL, BACKFILL_EMBED_DATABASE_URL / DATABASE_URL) or the embedding job's
/// (KAFKA_BOOTSTRAP_SERVERS, KAFKA_INPUT_TOPIC, KAFKA_GROUP_ID, PGVECTOR_*), flags winning.
struct EmbedSettingsOptions: ParsableArguments {
    @Option(name: .customLong("brokers"), help: ArgumentHelp("Kafka bootstrap servers. Default: $KAFKA_BROKERS, else $KAFKA_BOOTSTRAP_SERVERS.", valueName: "host:port,…"))
    var brokers: String?

    @Option(name: .customLong("database-url"),
            help: ArgumentHelp("PostgreSQL of the embeddings table: URL or libpq conninfo. Default: $BACKFILL_EMBED_DATABASE_URL, else PGVECTOR_HOST/_PORT/_DB/_USER/_PASSWORD, else $DATABASE_URL.", valueName: "url"))
    var databaseURL: String?

    @Option(help: ArgumentHelp("The topic of text messages ({\"id\", \"text\"} JSON values). Default: $BACKFILL_EMBED_TOPIC, else $KAFKA_INPUT_TOPIC, else text-messages.", valueName: "topic"))
    var topic: String?

    @Option(help: ArgumentHelp("Base URL of the embedding service. Default: $EMBEDDING_SERVICE_URL.", valueName: "url"))
    var serviceURL: String?

    @Option(help: ArgumentHelp("Schema of the embeddings table. Default: $BACKFILL_EMBED_SCHEMA, else public.", valueName: "schema"))
    var schema: String?

    @Option(help: ArgumentHelp("The embeddings table; its quarantine table is <table>_quarantine (and the follower's checkpoint <table>_progress). Default: $BACKFILL_EMBED_TABLE, else $PGVECTOR_TABLE, else text_message_embeddings.", valueName: "table"))
    var table: String?

    @Option(help: ArgumentHelp("The dimension the vectors must have; a service or table of another dimension is an error. Default: $BACKFILL_EMBED_DIMENSION, else $PGVECTOR_DIMENSION, else whatever the service says.", valueName: "n"))
    var dimension: Int?

    func validate() throws {
        for (flag, value) in [("--topic", topic), ("--schema", schema), ("--table", table)] where value?.isEmpty == true {
            throw ValidationError("\(flag) must not be empty")
        }
        if let dimension, dimension <= 0 { throw ValidationError("--dimension must be positive") }
    }

    /// The layers of `Environment` with these flags on top.
    func layers(group: String? = nil) throws -> SettingLayers {
        var layers = try Environment.layers()
        var flags: [String: String] = [:]
        flags[SettingKey.kafkaBrokers.name] = brokers
        flags[SettingKey.embedTopic.name] = topic
        flags[SettingKey.embeddingServiceURL.name] = serviceURL
        flags[SettingKey.embedSchema.name] = schema
        flags[SettingKey.embedTable.name] = table
        flags[SettingKey.embedDimension.name] = dimension.map(String.init)
        flags[SettingKey.embedGroup.name] = group
        layers.add(.flag, flags)
        return layers
    }

    func resolve(group: String? = nil) throws -> EmbedSettings {
        try EmbedSettings(layers: layers(group: group), databaseFlag: databaseURL, brokersFlag: brokers)
    }
}

/// The embed settings in effect, each with where it came from.
struct EmbedSettings {
    let layers: SettingLayers
    let databaseFlag: String?
    let brokersFlag: String?

    var topic: String { layers.value(.embedTopic)! }
    var schema: String { layers.value(.embedSchema)! }

    /// A table name, never `schema.table`: PGVECTOR_TABLE is the seed job's plain name.
    func table() throws -> EmbeddingTable {
        let name = layers.value(.embedTable)!
        if name.contains("."), let setting = layers.resolve(SettingKey.embedTable.name), setting.source != .flag {
            throw OperationsError(.configuration, "\(setting.alias ?? setting.key) is '\(name)' (\(setting.whence)); give the table's name alone and its schema with BACKFILL_EMBED_SCHEMA or --schema")
        }
        return EmbeddingTable(schema: schema, name: name)
    }

    func dimension() throws -> Int? {
        guard let setting = layers.resolve(SettingKey.embedDimension.name) else { return nil }
        guard let value = Int(setting.value.trimmingCharacters(in: .whitespaces)), value > 0 else {
            throw OperationsError(.configuration, "\(setting.alias ?? setting.key) must be a positive whole number, not '\(setting.value)' (\(setting.whence))")
        }
        return value
    }

    var group: String? { layers.value(.embedGroup) }

    var serviceURL: String? { layers.value(.embeddingServiceURL) }

    func kafka() throws -> KafkaConfiguration {
        try KafkaOptions.configuration(brokers: brokersFlag)
    }

    /// The embeddings database (`EmbedDatabase`), or an error saying how to give one.
    func database() throws -> (configuration: PostgresConfiguration, source: EmbedDatabase) {
        guard let database = EmbedDatabase.resolve(layers, flag: databaseFlag) else {
            throw PostgresError(code: .invalidConfiguration, message: "no database for the embeddings: pass --database-url, or set BACKFILL_EMBED_DATABASE_URL, PGVECTOR_HOST/PGVECTOR_DB/PGVECTOR_USER/PGVECTOR_PASSWORD, or DATABASE_URL")
        }
        let configuration = PostgresConfiguration(url: database.url)
        try configuration.validate()
        return (configuration, database)
    }
}
