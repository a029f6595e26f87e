import Operations
import Testing

@Suite("The embedding job's setting names as aliases")
struct AliasTests {
    @Test("an alias counts when the tool's own name is set nowhere, and the own name wins from any layer, even a lower one")
    func ownNameWins() throws {
        var layers = SettingLayers()
        layers.add(.dotEnv, ["KAFKA_BOOTSTRAP_SERVERS": "seed:29092", "KAFKA_INPUT_TOPIC": "seed-topic", "PGVECTOR_TABLE": "seed_table"])
        #expect(layers.resolve("KAFKA_BROKERS") == ResolvedSetting(key: "KAFKA_BROKERS", value: "seed:29092", source: .dotEnv, origin: nil,
                                                                     alias: "KAFKA_BOOTSTRAP_SERVERS"))
        #expect(layers.value(.embedTopic) == "seed-topic")
        #expect(layers.value(.embedTable) == "seed_table")

        // The own name in the config file (the lowest layer) beats the alias in the environment.
        let file = try SettingLayers.fileLayer(try KeyValueFile.parse("KAFKA_BROKERS=own:9092\nKAFKA_GROUP_ID=from-file-alias\n",
                                                                      path: "b.conf", strict: true), path: "b.conf")
        layers.add(.file, file.values, origins: file.origins)
        layers.add(.environment, ["KAFKA_BOOTSTRAP_SERVERS": "env-seed:29092", "BACKFILL_EMBED_TOPIC": "own-topic"])
        let brokers = try #require(layers.resolve("KAFKA_BROKERS"))
        #expect(brokers.value == "own:9092")
        #expect(brokers.alias == nil)
        #expect(brokers.whence == "b.conf:1")
        #expect(layers.ignoredAliases("KAFKA_BROKERS").map(\.whence) == ["env as KAFKA_BOOTSTRAP_SERVERS"])
        #expect(layers.value(.embedTopic) == "own-topic")
        // A config file may hold an alias; where it is set shows in `whence`.
        #expect(layers.resolve("BACKFILL_EMBED_GROUP")?.whence == "b.conf:2 as KAFKA_GROUP_ID")
        // What the Kafka and Postgres targets read: the own name, filled from the alias.
        #expect(layers.merged["KAFKA_BROKERS"] == "own:9092")
    }

    @Test("the merged environment carries an alias's value under the own name, for the connection readers")
    func mergedFillsOwnNames() {
        var layers = SettingLayers()
        layers.add(.environment, ["KAFKA_BOOTSTRAP_SERVERS": "seed:29092"])
        #expect(layers.merged["KAFKA_BROKERS"] == "seed:29092")
        #expect(layers.ignoredAliases("KAFKA_BROKERS").isEmpty)
    }

    @Test("the config file accepts the aliases and still rejects a typo")
    func fileAcceptsAliases() throws {
        let entries = try KeyValueFile.parse("PGVECTOR_HOST=db\nKAFKA_INPUT_TOPIC=t\nPGVECTOR_DIMENSION=384\n", path: "a.conf", strict: true)
        #expect(try SettingLayers.fileLayer(entries, path: "a.conf").values.count == 3)
        let typo = try KeyValueFile.parse("PGVECTOR_HOTS=db\n", path: "a.conf", strict: true)
        #expect(throws: OperationsError.self) { try SettingLayers.fileLayer(typo, path: "a.conf") }
    }

    @Test("PGVECTOR_* compose the embeddings database: quoted, password masked when shown, after BACKFILL_EMBED_DATABASE_URL and before DATABASE_URL")
    func embedDatabase() throws {
        var layers = SettingLayers()
        layers.add(.environment, ["DATABASE_URL": "postgresql://life:pw@lifestream/db"])
        #expect(EmbedDatabase.resolve(layers, flag: nil)?.source == "DATABASE_URL (env)")
        layers.add(.dotEnv, ["PGVECTOR_HOST": "pgvector", "PGVECTOR_DB": "embeddings_db", "PGVECTOR_USER": "postgres",
                             "PGVECTOR_PASSWORD": "it's a \\ secret"])
        let composed = try #require(EmbedDatabase.resolve(layers, flag: nil))
        #expect(composed.composed)
        #expect(composed.url == #"host='pgvector' dbname='embeddings_db' user='postgres' password='it\'s a \\ secret'"#)
        #expect(composed.source == "PGVECTOR_HOST, PGVECTOR_DB, PGVECTOR_USER, PGVECTOR_PASSWORD (.env)")
        #expect(!composed.display.contains("secret"))
        #expect(composed.display.contains("host='pgvector'"))
        layers.add(.file, ["PGVECTOR_PORT": "6543"])
        #expect(EmbedDatabase.resolve(layers, flag: nil)?.url.contains("port='6543'") == true)
        layers.add(.file, ["BACKFILL_EMBED_DATABASE_URL": "postgresql://own/db"])
        #expect(EmbedDatabase.resolve(layers, flag: nil)?.url == "postgresql://own/db")
        #expect(EmbedDatabase.resolve(layers, flag: "postgresql://flag/db")?.source == "--database-url")
        #expect(EmbedDatabase.resolve(SettingLayers(), flag: nil) == nil)
    }

    @Test("PGVECTOR_PASSWORD displays masked")
    func secretsMasked() {
        #expect(SettingLayers.display(ResolvedSetting(key: "PGVECTOR_PASSWORD", value: "hunter2", source: .dotEnv, origin: nil)) == "***")
    }
}
