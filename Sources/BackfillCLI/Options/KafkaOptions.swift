import ArgumentParser
import Kafka
import Operations

/// Where Kafka is: `--brokers`, else KAFKA_BROKERS (+ SASL variables) from environment, .env or config file.
struct KafkaOptions: ParsableArguments {
    @Option(name: .customLong("brokers"), help: ArgumentHelp("Kafka bootstrap servers. Default: $KAFKA_BROKERS.", valueName: "host:port,…"))
    var brokers: String?

    @Option(name: .customLong("topic"), help: ArgumentHelp("The events topic. Default: $BACKFILL_TOPIC, else events.raw.", valueName: "topic"))
    var topicFlag: String?

    /// The flag, else BACKFILL_TOPIC from the layers, else `events.raw`.
    var topic: String {
        topicFlag ?? (try? Environment.value(.topic)) ?? SettingKey.topic.defaultValue!
    }

    func configuration() throws -> KafkaConfiguration { try Self.configuration(brokers: brokers) }

    /// For commands that read another topic than events.raw and so declare `--brokers` themselves.
    static func configuration(brokers: String?) throws -> KafkaConfiguration {
        var configuration = try KafkaConfiguration.fromEnvironment(Environment.merged().merging(
            brokers.map { ["KAFKA_BROKERS": $0] } ?? [:], uniquingKeysWith: { $1 }))
        if let brokers { configuration.brokers = brokers }
        return configuration
    }
}
