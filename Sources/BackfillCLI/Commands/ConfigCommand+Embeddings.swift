import Embeddings
import Foundation
import Kafka
import Operations
import Postgres

/// Which of the two pipelines' connections `config check` tests: a `.env` written for the
/// embedding job alone (PGVECTOR_*, no DATABASE_URL) must pass without a lifestream database or
/// an events topic, and the lifestream checks stay as they were everywhere else.
struct CheckScope {
    /// DATABASE_URL and the events topic.
    let lifestream: Bool
    /// The embeddings database, when it is not DATABASE_URL's.
    let embedDatabase: EmbedDatabase?
    /// The text-messages topic, when it was set (a default topic that is not there is no mistake).
    let embedTopicSet: Bool

    init(_ layers: SettingLayers, databaseFlag: String?) {
        let database = EmbedDatabase.resolve(layers, flag: nil)
        let ownEmbedDatabase = database.map { $0.composed || $0.source.hasPrefix(SettingKey.embedDatabaseURL.name) } ?? false
        let databaseURLSet = databaseFlag != nil || layers.resolve(SettingKey.databaseURL.name) != nil
        let eventsTopicSet = layers.resolve(SettingKey.topic.name).map { $0.source != .default } ?? false
        lifestream = databaseURLSet || eventsTopicSet || !ownEmbedDatabase
        embedDatabase = ownEmbedDatabase ? database : nil
        embedTopicSet = layers.resolve(SettingKey.embedTopic.name).map { $0.source != .default } ?? false
    }
}

extension ConfigCommand.Check {
    /// The embeddings database, the text-messages topic and the embedding service.
    func embeddingChecks(_ settings: EffectiveSettings, scope: CheckScope) -> [ConfigCommand.CheckResult] {
        var results: [ConfigCommand.CheckResult] = []
        let embed = EmbedSettings(layers: settings.layers, databaseFlag: nil, brokersFlag: kafka.brokers)
        if let database = scope.embedDatabase {
            let setting = database.composed ? "PGVECTOR_HOST, PGVECTOR_DB, PGVECTOR_USER, PGVECTOR_PASSWORD (\(database.source))" : database.source
            do {
                let configuration = PostgresConfiguration(url: database.url)
                try configuration.validate()
                let connection = try PostgresConnection.connect(configuration, applicationName: "backfill config check")
                defer { connection.close() }
                let version = try connection.query("show server_version").scalar ?? "?"
                let port = try connection.query("select inet_server_port()").scalar ?? "socket"
                let pgvector = try connection.query("select coalesce(installed_version, default_version) from pg_available_extensions where name = 'vector'").scalar
                // The connection string goes last: the redactor reads what follows a password as part of it.
                results.append(ConfigCommand.CheckResult(
                    name: "postgresql (embeddings)", ok: pgvector != nil, setting: setting,
                    detail: "server version \(version) on port \(port), "
                        + (pgvector.map { "pgvector \($0) available" } ?? "but pgvector is not installed on this server (embed needs the vector extension)")
                        + "; connected with \(database.display)"))
            } catch {
                results.append(ConfigCommand.CheckResult(name: "postgresql (embeddings)", ok: false, setting: setting, detail: "\(error)"))
            }
        }
        if scope.embedTopicSet {
            let topicSource = source(settings, .embedTopic)
            do {
                let configuration = try embed.kafka()
                let partitions = try KafkaAdmin(configuration: configuration).partitions(topic: embed.topic, timeout: .seconds(8))
                results.append(ConfigCommand.CheckResult(name: "kafka (text messages)", ok: true, setting: topicSource,
                                                         detail: "\(configuration), topic \(embed.topic) has \(partitions.count) partitions"))
            } catch let error as KafkaError where error.code.kind == .topicNotFound {
                results.append(ConfigCommand.CheckResult(name: "kafka (text messages)", ok: false, setting: topicSource, detail: "\(error)"))
            } catch {
                results.append(ConfigCommand.CheckResult(name: "kafka (text messages)", ok: false, setting: source(settings, .kafkaBrokers), detail: "\(error)"))
            }
        }
        if let url = embed.serviceURL {
            results.append(serviceCheck(url, settings: settings, embed: embed))
        }
        return results
    }

    /// GET <url>/health: the model and dimension, and the dimension against the configured one.
    private func serviceCheck(_ url: String, settings: EffectiveSettings, embed: EmbedSettings) -> ConfigCommand.CheckResult {
        let serviceSource = source(settings, .embeddingServiceURL)
        let health: ServiceHealth
        do {
            health = try ServiceClient(baseURL: try ServiceClient.parseURL(url), timeout: 5, connections: 1).health().get()
        } catch {
            return ConfigCommand.CheckResult(name: "embedding service", ok: false, setting: serviceSource, detail: "\(error)")
        }
        let detail = "\(url) answers /health: model \(health.model), \(health.dimension) dimensions"
        do {
            if let expected = try embed.dimension(), expected != health.dimension {
                return ConfigCommand.CheckResult(name: "embedding service", ok: false, setting: source(settings, .embedDimension),
                                                 detail: "\(detail), but \(expected) are configured")
            }
        } catch {
            return ConfigCommand.CheckResult(name: "embedding service", ok: false, setting: source(settings, .embedDimension), detail: "\(error)")
        }
        return ConfigCommand.CheckResult(name: "embedding service", ok: true, setting: serviceSource, detail: detail)
    }
}
