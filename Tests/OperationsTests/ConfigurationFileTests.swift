import Foundation
import Operations
import Testing

@Suite("Config file and setting layers")
struct ConfigurationFileTests {
    @Test("the config file reads KEY=value lines with comments, quotes and export")
    func parses() throws {
        let text = """
            # a comment
            DATABASE_URL = postgresql://u:p@h/db   # trailing comment
            export KAFKA_BROKERS=b1:9092,b2:9092
            KAFKA_SASL_PASSWORD="with # hash and = sign "

            BACKFILL_KEEP_DAYS='14'\r
            """
        let entries = try KeyValueFile.parse(text, path: "x.conf", strict: true)
        #expect(entries.map(\.key) == ["DATABASE_URL", "KAFKA_BROKERS", "KAFKA_SASL_PASSWORD", "BACKFILL_KEEP_DAYS"])
        #expect(entries.map(\.value) == ["postgresql://u:p@h/db", "b1:9092,b2:9092", "with # hash and = sign ", "14"])
        #expect(entries.map(\.line) == [2, 3, 4, 6])
    }

    @Test("a malformed line in the config file is an error naming the file and line; .env skips it")
    func strictness() throws {
        let text = "DATABASE_URL=x\nthis is not a setting\n"
        #expect(throws: OperationsError.self) { try KeyValueFile.parse(text, path: "b.conf", strict: true) }
        do {
            _ = try KeyValueFile.parse(text, path: "b.conf", strict: true)
        } catch let error as OperationsError {
            #expect(error.description.hasPrefix("b.conf:2:"))
        }
        #expect(try KeyValueFile.parse(text, path: ".env", strict: false).map(\.key) == ["DATABASE_URL"])
        #expect(throws: OperationsError.self) { try KeyValueFile.parse("A=\"open\n", path: "c.conf", strict: true) }
    }

    @Test("an unknown key in the config file is an error that lists the known ones")
    func unknownKey() throws {
        let entries = try KeyValueFile.parse("DATABSE_URL=x", path: "t.conf", strict: true)
        #expect(throws: OperationsError.self) { try SettingLayers.fileLayer(entries, path: "t.conf") }
    }

    @Test("precedence is default < file < .env < environment < flag, whatever order the layers are added in")
    func precedence() throws {
        var layers = SettingLayers()
        layers.add(.flag, ["BACKFILL_TOPIC": "from-flag"])
        layers.add(.environment, ["BACKFILL_TOPIC": "from-env", "KAFKA_BROKERS": "env:1", "DATABASE_URL": ""])
        layers.add(.dotEnv, ["BACKFILL_REPORTS_DIR": "dotenv-reports", "KAFKA_BROKERS": "dotenv:1"])
        let file = try SettingLayers.fileLayer(try KeyValueFile.parse("""
            BACKFILL_TOPIC=from-file
            KAFKA_BROKERS=file:1
            DATABASE_URL=postgresql://file
            BACKFILL_KEEP=3
            """, path: "p.conf", strict: true), path: "p.conf")
        layers.add(.file, file.values, origins: file.origins)
        #expect(layers.resolve("BACKFILL_TOPIC") == ResolvedSetting(key: "BACKFILL_TOPIC", value: "from-flag", source: .flag, origin: nil))
        #expect(layers.resolve("KAFKA_BROKERS")?.source == .environment)
        #expect(layers.resolve("BACKFILL_REPORTS_DIR")?.source == .dotEnv)
        // An empty environment variable does not hide the file's value.
        #expect(layers.resolve("DATABASE_URL") == ResolvedSetting(key: "DATABASE_URL", value: "postgresql://file", source: .file, origin: "p.conf:3"))
        #expect(layers.resolve("BACKFILL_LIVE_SCHEMA") == ResolvedSetting(key: "BACKFILL_LIVE_SCHEMA", value: "lifestream", source: .default, origin: nil))
        #expect(layers.resolve("EMBEDDING_SERVICE_URL") == nil)
        #expect(layers.merged["KAFKA_BROKERS"] == "env:1")
    }

    @Test("secrets display as *** and other values through the redactor")
    func display() {
        let secret = ResolvedSetting(key: "KAFKA_SASL_PASSWORD", value: "hunter2", source: .file, origin: nil)
        #expect(SettingLayers.display(secret) == "***")
        let url = ResolvedSetting(key: "DATABASE_URL", value: "postgresql://u:pw@h/db", source: .file, origin: nil)
        #expect(SettingLayers.display(url) == "postgresql://u:***@h/db")
        let conninfo = ResolvedSetting(key: "DATABASE_URL", value: "host=h sslpassword=pw1 password=pw2", source: .file, origin: nil)
        #expect(SettingLayers.display(conninfo) == "host=h sslpassword=*** password=***")
        let service = ResolvedSetting(key: "EMBEDDING_SERVICE_URL", value: "http://u:pw@h:8080", source: .file, origin: nil)
        #expect(SettingLayers.display(service) == "http://u:***@h:8080")
        let plain = ResolvedSetting(key: "BACKFILL_LIVE_SCHEMA", value: "lifestream", source: .file, origin: nil)
        #expect(SettingLayers.display(plain) == "lifestream")
    }

    @Test("a malformed line is echoed with its secret hidden")
    func malformedLineRedacted() {
        let cases = [
            "DATABASE_URL postgres://app:PWline@db/x",
            "KAFKA_SASL_PASSWORD PWline",
            "export KAFKA_SASL_PASSWORD: PWline",
            "DATABASE_URL host=db password=PWline",
            "postgres://app:PWline@db/x",
        ]
        for line in cases {
            let error = #expect(throws: OperationsError.self) { try KeyValueFile.parse(line + "\n", path: "b.conf", strict: true) }
            #expect(error?.message.hasPrefix("b.conf:1: ") == true, "\(String(describing: error))")
            #expect(error?.message.contains("PWline") == false, "\(String(describing: error))")
        }
        let key = #expect(throws: OperationsError.self) { try KeyValueFile.parse("postgres://app:PWkey@db/x=1\n", path: "b.conf", strict: true) }
        #expect(key?.message.contains("PWkey") == false, "\(String(describing: key))")
    }
}
