import ArgumentParser
import Embeddings
import Foundation
import Kafka
import Operations
import Postgres
import Reconcile
import Redaction

/// `backfill config check`: what is in effect, where each value came from, and whether each
/// connection works.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the settings in effect and test the connections.",
        discussion: """
        Examples:
          backfill config check
          backfill config check --no-connect --json
        """,
        subcommands: [Check.self])
}

extension ConfigCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every setting with its source (file, .env, env, flag, default), secrets masked, and test each connection.",
            discussion: """
            Precedence, lowest first: the config file (--config, else $BACKFILL_CONFIG, else \
            ./backfill.conf if present) < .env in the working directory < the environment < flags.

            The embedding job's names (KAFKA_BOOTSTRAP_SERVERS, KAFKA_INPUT_TOPIC, KAFKA_GROUP_ID, \
            PGVECTOR_TABLE, PGVECTOR_DIMENSION) are read as aliases of the tool's own; the own name \
            wins wherever it is set, and a value read under an alias shows "as <ALIAS>". \
            PGVECTOR_HOST/_PORT/_DB/_USER/_PASSWORD compose the database embed writes to ("embed \
            database"), unless BACKFILL_EMBED_DATABASE_URL is set.

            Tests: PostgreSQL (connect, server version) and Kafka (metadata of the events topic) \
            unless only the embeddings are configured; the embeddings database (pgvector \
            available) when it is not DATABASE_URL's; the text-messages topic when it is set; and \
            the embedding service (GET <EMBEDDING_SERVICE_URL>/health, http or https, through the \
            client embed uses: model, dimension, compared \
            with BACKFILL_EMBED_DIMENSION) when it is configured. Exit 0 when all pass, 2 with a \
            sentence naming the setting to fix when one fails.

            Examples:
              backfill config check
              backfill config check --config /etc/backfill/backfill.conf --json
            """)

        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var kafka: KafkaOptions
        @OptionGroup var nightly: NightlySettingsOptions

        @OptionGroup var output: OutputOptions

        @Flag(name: .customLong("no-connect"), help: "Only show the settings; do not test the connections.")
        var noConnect = false

        func run() throws {
            _ = output.makeLogger("config")  // librdkafka's lines follow --quiet and --log-format
            let settings: EffectiveSettings
            do {
                settings = try EffectiveSettings(database: database, kafka: kafka, nightly: nightly)
            } catch {
                throw fail(error)
            }
            let configFile = Environment.configFile()
            let rows = SettingKey.all.map { key -> SettingRow in
                let ignored = settings.layers.ignoredAliases(key.name).map { "\($0.alias!) (\($0.origin ?? $0.source.rawValue))" }
                guard let resolved = settings.layers.resolve(key.name) else {
                    if key == .embedGroup, let table = try? EmbedSettings(layers: settings.layers, databaseFlag: nil, brokersFlag: nil).table() {
                        return SettingRow(key: key.name, value: FollowOptions.defaultGroup(for: table), source: SettingSource.default.rawValue, origin: nil)
                    }
                    return SettingRow(key: key.name, value: nil, source: nil, origin: nil, ignoredAliases: ignored.isEmpty ? nil : ignored)
                }
                return SettingRow(key: key.name, value: SettingLayers.display(resolved),
                                  source: resolved.source.rawValue, origin: resolved.origin, alias: resolved.alias,
                                  ignoredAliases: ignored.isEmpty ? nil : ignored)
            }
            let embedDatabase = EmbedDatabase.resolve(settings.layers, flag: database.databaseURL)
            let checks = (noConnect ? [] : runChecks(settings)) + rulesCheck(settings)
            if output.json {
                let result = Output(configFile: configFile.map { FileManager.default.fileExists(atPath: $0.path) ? $0.path : nil } ?? nil,
                                    settings: rows, embedDatabase: embedDatabase.map { EmbedDatabaseRow(value: $0.display, source: $0.source) },
                                    checks: checks)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                printJSON(try encoder.encode(result))
            } else {
                print("config file: \(configFile?.path ?? "none (no --config, no $BACKFILL_CONFIG, no ./backfill.conf)")")
                let width = SettingKey.all.map(\.name.count).max() ?? 0
                for row in rows {
                    let name = row.key.padding(toLength: width, withPad: " ", startingAt: 0)
                    let source = (row.origin.map { "\(row.source ?? "") \($0)" } ?? row.source ?? "") + (row.alias.map { " as \($0)" } ?? "")
                    print("  \(name)  \(row.value ?? "(unset)")" + (row.source == nil ? "" : "  [\(source)]"))
                    for ignored in row.ignoredAliases ?? [] {
                        print("  \(String(repeating: " ", count: width))  (\(ignored) is ignored: \(row.key) wins)")
                    }
                }
                if let embedDatabase {
                    print("embed database: \(embedDatabase.display)  [\(embedDatabase.source)]")
                }
                for check in checks {
                    print("\(check.ok ? "ok    " : "FAILED") \(check.name): \(check.detail)")
                }
            }
            if let failed = checks.first(where: { !$0.ok }) {
                printErrorLine("\(failed.name) failed; fix \(failed.setting): \(failed.detail)")
                throw ExitStatus.error
            }
        }

        private func runChecks(_ settings: EffectiveSettings) -> [CheckResult] {
            let scope = CheckScope(settings.layers, databaseFlag: database.databaseURL)
            var results = scope.lifestream ? lifestreamChecks(settings) : []
            results += embeddingChecks(settings, scope: scope)
            // A check's detail quotes libpq, librdkafka or a URL: all of it through the redactor.
            return results.map { CheckResult(name: $0.name, ok: $0.ok, setting: $0.setting, detail: redacted($0.detail)) }
        }

        /// PostgreSQL (DATABASE_URL) and the events topic.
        private func lifestreamChecks(_ settings: EffectiveSettings) -> [CheckResult] {
            var results: [CheckResult] = []
            let databaseSource = source(settings, .databaseURL)
            do {
                let configuration = try database.configuration()
                try configuration.validate()
                let connection = try PostgresConnection.connect(configuration, applicationName: "backfill config check")
                defer { connection.close() }
                let version = try connection.query("show server_version").scalar ?? "?"
                results.append(CheckResult(name: "postgresql", ok: true, setting: databaseSource,
                                           detail: "connected to \(configuration.redactedURL), server version \(version)"))
            } catch {
                results.append(CheckResult(name: "postgresql", ok: false, setting: databaseSource, detail: "\(error)"))
            }
            let topic = settings.topic
            let kafkaSource = source(settings, .kafkaBrokers)
            do {
                let configuration = try kafka.configuration()
                let partitions = try KafkaAdmin(configuration: configuration).partitions(topic: topic, timeout: .seconds(8))
                results.append(CheckResult(name: "kafka", ok: true, setting: kafkaSource,
                                           detail: "\(configuration), topic \(topic) has \(partitions.count) partitions"))
            } catch let error as KafkaError where error.code.kind == .topicNotFound {
                results.append(CheckResult(name: "kafka", ok: false, setting: source(settings, .topic), detail: "\(error)"))
            } catch {
                results.append(CheckResult(name: "kafka", ok: false, setting: kafkaSource, detail: "\(error)"))
            }
            return results
        }

        /// BACKFILL_RULES, when set: the file parses and names only known tables, columns and causes.
        private func rulesCheck(_ settings: EffectiveSettings) -> [CheckResult] {
            guard let path = settings.string(.rules) else { return [] }
            do {
                let rules = try VerdictRules.load(path: path)
                try rules.validate(against: .lifestream)
                return [CheckResult(name: "verdict rules", ok: true, setting: source(settings, .rules),
                                    detail: "\(path): \(rules.causes.count) cause rules, \(rules.columns.count) column rules")]
            } catch {
                return [CheckResult(name: "verdict rules", ok: false, setting: source(settings, .rules), detail: "\(error)")]
            }
        }

        /// `DATABASE_URL (from env)`: the setting to fix and where it is set (`KAFKA_BROKERS
        /// (from .env as KAFKA_BOOTSTRAP_SERVERS)` when read under an alias).
        func source(_ settings: EffectiveSettings, _ key: SettingKey) -> String {
            guard let resolved = settings.layers.resolve(key.name) else { return "\(key.name) (unset)" }
            if resolved.source == .flag, let flag = key.flag { return "\(flag) (flag)" }
            return "\(key.name) (from \(resolved.whence))"
        }

    }

    struct SettingRow: Encodable {
        var key: String
        var value: String?
        var source: String?
        var origin: String?
        /// The alias the value was read under (`KAFKA_BOOTSTRAP_SERVERS`).
        var alias: String?
        /// Aliases that are set but lose to this setting, with where they are set.
        var ignoredAliases: [String]?

        enum CodingKeys: String, CodingKey { case key, value, source, origin, alias, ignoredAliases = "ignored_aliases" }
    }

    /// Where `embed` writes, and why there (`EmbedDatabase`).
    struct EmbedDatabaseRow: Encodable {
        var value: String
        var source: String
    }

    struct CheckResult: Encodable {
        var name: String
        var ok: Bool
        var setting: String
        var detail: String
    }

    struct Output: Encodable {
        var configFile: String?
        var settings: [SettingRow]
        var embedDatabase: EmbedDatabaseRow?
        var checks: [CheckResult]
        enum CodingKeys: String, CodingKey { case configFile = "config_file", settings, embedDatabase = "embed_database", checks }
    }
}
