import Foundation
import TestSupport
import Testing

@Suite("backfill config check", .tags(.integration))
struct ConfigCheckTests {
    struct Scratch {
        let directory = NSTemporaryDirectory() + TestEnvironment.uniqueName("config")
        init() throws { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + name))
        }
        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// The settings of `config check --json` by key: (value, source).
    static func settings(_ outcome: CLIProcess.Outcome) throws -> [String: (value: String?, source: String?)] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        var result: [String: (String?, String?)] = [:]
        for row in object["settings"] as? [[String: Any]] ?? [] {
            result[row["key"] as! String] = (row["value"] as? String, row["source"] as? String)
        }
        return result
    }

    static let connectionVariables = ["DATABASE_URL", "KAFKA_BROKERS", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD", "BACKFILL_CONFIG",
                                      "BACKFILL_TOPIC", "BACKFILL_LIVE_SCHEMA", "BACKFILL_SHADOW_SCHEMA", "BACKFILL_REPORTS_DIR", "EMBEDDING_SERVICE_URL"]

    @Test("precedence is file < .env < environment < flag, each value names its source, and secrets are masked")
    func precedence() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("backfill.conf", """
            # the nightly's settings
            DATABASE_URL=postgresql://file-user:local-dev-secret@db.example:5432/app
            KAFKA_BROKERS=file-broker:9092
            KAFKA_SASL_USERNAME=file-user
            KAFKA_SASL_PASSWORD="sasl-Pa55word-never-shown"
            BACKFILL_TOPIC=file.topic
            BACKFILL_LIVE_SCHEMA=file_live
            BACKFILL_SHADOW_SCHEMA=file_shadow
            BACKFILL_REPORTS_DIR=file-reports
            BACKFILL_KEEP_DAYS=14
            """)
        try scratch.write(".env", "BACKFILL_SHADOW_SCHEMA=dotenv_shadow\nBACKFILL_REPORTS_DIR=dotenv-reports\n")
        let outcome = try CLIProcess.run(["config", "check", "--json", "--no-connect", "--live-schema", "flag_live"],
                                         environment: ["BACKFILL_REPORTS_DIR": "env-reports"],
                                         removing: Self.connectionVariables, workingDirectory: scratch.directory)
        #expect(outcome.status == 0, "\(outcome.everything)")
        let s = try Self.settings(outcome)
        #expect(s["BACKFILL_TOPIC"]?.value == "file.topic")
        #expect(s["BACKFILL_TOPIC"]?.source == "file")
        #expect(s["BACKFILL_SHADOW_SCHEMA"]?.value == "dotenv_shadow")
        #expect(s["BACKFILL_SHADOW_SCHEMA"]?.source == ".env")
        #expect(s["BACKFILL_REPORTS_DIR"]?.value == "env-reports")
        #expect(s["BACKFILL_REPORTS_DIR"]?.source == "env")
        #expect(s["BACKFILL_LIVE_SCHEMA"]?.value == "flag_live")
        #expect(s["BACKFILL_LIVE_SCHEMA"]?.source == "flag")
        #expect(s["BACKFILL_MANIFEST_DIR"]?.source == "default")
        #expect(s["KAFKA_SASL_PASSWORD"]?.value == "***")
        #expect(s["DATABASE_URL"]?.value == "postgresql://file-user:***@db.example:5432/app")
        #expect(!outcome.everything.contains("local-dev-secret"))
        #expect(!outcome.everything.contains("sasl-Pa55word-never-shown"))

        // The human form shows the same, with the file and line a value came from.
        let text = try CLIProcess.run(["config", "check", "--no-connect", "--brokers", "flag-broker:1"],
                                      removing: Self.connectionVariables, workingDirectory: scratch.directory)
        #expect(text.status == 0)
        #expect(text.stdout.contains("BACKFILL_TOPIC"))
        #expect(text.stdout.contains("[file backfill.conf:6]"))
        #expect(text.stdout.contains("flag-broker:1  [flag]"))
        #expect(!text.everything.contains("local-dev-secret"))
        #expect(!text.everything.contains("sasl-Pa55word-never-shown"))
        #expect(text.isPlainText)
    }

    @Test("--config and BACKFILL_CONFIG name the file; a missing or misspelt one is an error naming it")
    func explicitFile() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("a.conf", "BACKFILL_TOPIC=from-a\n")
        try scratch.write("b.conf", "BACKFILL_TOPIC=from-b\n")
        try scratch.write("bad.conf", "BACKFILL_TOPIK=typo\n")
        let viaFlag = try CLIProcess.run(["config", "check", "--json", "--no-connect", "--config", scratch.directory + "/a.conf"],
                                         environment: ["BACKFILL_CONFIG": scratch.directory + "/b.conf"], removing: ["BACKFILL_TOPIC"])
        #expect(try Self.settings(viaFlag)["BACKFILL_TOPIC"]?.value == "from-a")
        let viaEnvironment = try CLIProcess.run(["config", "check", "--json", "--no-connect"],
                                                environment: ["BACKFILL_CONFIG": scratch.directory + "/b.conf"], removing: ["BACKFILL_TOPIC"])
        #expect(try Self.settings(viaEnvironment)["BACKFILL_TOPIC"]?.value == "from-b")
        let missing = try CLIProcess.run(["config", "check", "--no-connect", "--config", scratch.directory + "/none.conf"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("none.conf does not exist"))
        let typo = try CLIProcess.run(["config", "check", "--no-connect", "--config", scratch.directory + "/bad.conf"])
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("bad.conf:1: unknown setting BACKFILL_TOPIK"))
    }

    @Test("the connection checks pass against the local servers and fail with exit 2 naming the setting to fix")
    func connections() throws {
        let topic = TestEnvironment.uniqueName("config_check") + ".raw"
        let generated = try CLIProcess.run(["generate", "--topic", topic, "--events", "20", "--subjects", "5", "--partitions", "3", "--quiet"])
        #expect(generated.status == 0, "\(generated.everything)")
        let good = try CLIProcess.run(["config", "check", "--topic", topic])
        #expect(good.status == 0, "\(good.everything)")
        #expect(good.stdout.contains("ok     postgresql: connected to"))
        #expect(good.stdout.contains("server version 18"))
        #expect(good.stdout.contains("ok     kafka:"))
        #expect(good.stdout.contains("has 3 partitions"))
        // The embedding service is asked through the client `embed` uses: its /health names model and dimension.
        #expect(good.stdout.contains("ok     embedding service: \(try TestEnvironment.embeddingServiceURL()) answers /health: model "))
        #expect(good.stdout.contains("384 dimensions"))
        #expect(!good.everything.contains("local-dev-secret"))

        let badDatabase = try CLIProcess.run(["config", "check", "--topic", topic],
                                             environment: ["DATABASE_URL": "postgresql://postgres:local-dev-secret@127.0.0.1:1/postgres"])
        #expect(badDatabase.status == 2)
        #expect(badDatabase.stderr.contains("fix DATABASE_URL (from env)"), "\(badDatabase.stderr)")
        #expect(!badDatabase.everything.contains("local-dev-secret"))

        let missingTopic = try CLIProcess.run(["config", "check", "--topic", topic + ".missing"])
        #expect(missingTopic.status == 2)
        #expect(missingTopic.stderr.contains("fix --topic (flag)"), "\(missingTopic.stderr)")

        let badEmbedding = try CLIProcess.run(["config", "check", "--topic", topic], environment: ["EMBEDDING_SERVICE_URL": "http://127.0.0.1:1"])
        #expect(badEmbedding.status == 2)
        #expect(badEmbedding.stderr.contains("fix EMBEDDING_SERVICE_URL (from env)"), "\(badEmbedding.stderr)")
    }
}
