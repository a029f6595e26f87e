@testable import Kafka
import TestSupport
import Testing

@Suite("Configuration from the environment, and secrets kept out of text")
struct KafkaConfigurationTests {
    let secret = "s3cr3t-Pa55word!"

    @Test("SASL credentials in the environment give SASL_SSL settings and a description without the password")
    func saslFromEnvironment() throws {
        let configuration = try KafkaConfiguration.fromEnvironment([
            "KAFKA_BROKERS": "broker-1.example:9092,broker-2.example:9092",
            "KAFKA_SASL_USERNAME": "backfill",
            "KAFKA_SASL_PASSWORD": secret,
        ])
        #expect(configuration.brokers == "broker-1.example:9092,broker-2.example:9092")
        #expect(configuration.saslMechanism == "PLAIN")
        #expect(configuration.effectiveSecurityProtocol == "SASL_SSL")
        let properties = Dictionary(uniqueKeysWithValues: configuration.librdkafkaProperties.map { ($0.key, $0.value) })
        #expect(properties["bootstrap.servers"] == configuration.brokers)
        #expect(properties["security.protocol"] == "SASL_SSL")
        #expect(properties["sasl.mechanisms"] == "PLAIN")
        #expect(properties["sasl.username"] == "backfill")
        #expect(properties["sasl.password"] == secret)
        #expect(!configuration.description.contains(secret))
        #expect(configuration.description.contains("***"))
        #expect(configuration.description.contains("backfill"))
        #expect(!"\(configuration)".contains(secret) && !String(reflecting: configuration.description).contains(secret))
    }

    @Test("mechanism and security protocol can be chosen; without SASL nothing security-related is set")
    func overrides() throws {
        let scram = try KafkaConfiguration.fromEnvironment([
            "KAFKA_BROKERS": "b:9092", "KAFKA_SASL_USERNAME": "u", "KAFKA_SASL_PASSWORD": secret,
            "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        ])
        let properties = Dictionary(uniqueKeysWithValues: scram.librdkafkaProperties.map { ($0.key, $0.value) })
        #expect(properties["sasl.mechanisms"] == "SCRAM-SHA-512")
        #expect(properties["security.protocol"] == "SASL_PLAINTEXT")

        let plain = try KafkaConfiguration.fromEnvironment(["KAFKA_BROKERS": "127.0.0.1:59092", "KAFKA_SASL_USERNAME": ""])
        #expect(plain.librdkafkaProperties.map(\.key) == ["bootstrap.servers"])
        #expect(plain.description == "Kafka brokers 127.0.0.1:59092, PLAINTEXT")
    }

    @Test("missing or half-set variables fail with a sentence naming the variable")
    func missing() throws {
        let noBrokers = try #require(throws: KafkaError.self) { _ = try KafkaConfiguration.fromEnvironment([:]) }
        #expect(noBrokers.code.kind == .configuration)
        #expect(noBrokers.description.contains("KAFKA_BROKERS is not set"))

        let noPassword = try #require(throws: KafkaError.self) {
            _ = try KafkaConfiguration.fromEnvironment(["KAFKA_BROKERS": "b:1", "KAFKA_SASL_USERNAME": "u"])
        }
        #expect(noPassword.description.contains("KAFKA_SASL_PASSWORD is not"))
    }

    @Test("secret-looking extra properties are masked in the description")
    func extraSecrets() {
        let configuration = KafkaConfiguration(
            brokers: "b:1", extra: ["ssl.key.password": secret, "sasl.oauthbearer.client.secret": secret, "linger.ms": "7"])
        #expect(!configuration.description.contains(secret))
        #expect(configuration.description.contains("linger.ms=7"))
    }

    @Test("an invalid property fails creating the client with librdkafka's reason")
    func invalidProperty() {
        let configuration = KafkaConfiguration(brokers: "127.0.0.1:1", extra: ["fetch.wait.max.ms": "soon"])
        let error = #expect(throws: KafkaError.self) { _ = try RangeReader(configuration: configuration) }
        #expect(error?.code.kind == .configuration)
        #expect(error?.description.hasPrefix("Kafka could not create a range reader for 127.0.0.1:1: ") == true, "\(String(describing: error))")
        #expect(error?.description.contains("fetch.wait.max.ms") == true)
    }

    @Test("a failed SASL connection reports an error that does not contain the password", .tags(.integration))
    func saslFailureHidesPassword() throws {
        // noida-db's listener speaks no TLS: every handshake fails and the lookup gives up.
        var configuration = KafkaConfiguration(
            brokers: try Fixtures.configuration().brokers, saslUsername: "backfill", saslPassword: secret, saslMechanism: "PLAIN")
        configuration.extra["log_level"] = "0"
        let admin = try KafkaAdmin(configuration: configuration)
        let error = #expect(throws: KafkaError.self) { _ = try admin.topicExists("t", timeout: .seconds(1)) }
        #expect(error.map { !$0.description.contains(secret) } == true)
        print("SASL against a plaintext listener: \(error.map(String.init(describing:)) ?? "no error")")
        #expect(error?.code.kind == .timedOut || error?.code.kind == .librdkafka)
    }

    @Test("errors read as one sentence with the librdkafka code")
    func errorSentence() {
        let error = KafkaError(
            code: .init(.topicNotFound, rdKafkaError: 3), message: "Broker: Unknown topic or partition",
            context: "Kafka could not read partition 3 of events.raw")
        #expect(error.description == "Kafka could not read partition 3 of events.raw: Broker: Unknown topic or partition (code 3)")
    }

    @Test("offset ranges count offsets, and durations convert to whole milliseconds")
    func values() {
        #expect(OffsetRange(partition: 1, start: 5, end: 9).count == 4)
        #expect(OffsetRange(partition: 1, start: 9, end: 5).count == 0)
        #expect(OffsetRange(partition: 1, start: 9, end: 5).isEmpty)
        #expect(Duration.seconds(10).clampedMilliseconds == 10_000)
        #expect(Duration.microseconds(1).clampedMilliseconds == 1)
        #expect(Duration.seconds(-3).clampedMilliseconds == 0)
        #expect(Duration.seconds(Int64.max / 2).clampedMilliseconds == Int32.max)
    }
}
