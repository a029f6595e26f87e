import ArgumentParser
import Kafka

/// Where Kafka is: `--brokers`, else KAFKA_BROKERS (+ SASL variables) from environment or .env.
struct KafkaOptions: ParsableArguments {
    @Option(name: .customLong("brokers"), help: ArgumentHelp("Kafka bootstrap servers. Default: $KAFKA_BROKERS.", valueName: "host:port,…"))
    var brokers: String?

    @Option(help: "The events topic.")
    var topic: String = "events.raw"

    func configuration() throws -> KafkaConfiguration { try Self.configuration(brokers: brokers) }

    /// For commands that read another topic than events.raw and so declare `--brokers` themselves.
    static func configuration(brokers: String?) throws -> KafkaConfiguration {
        var configuration = try KafkaConfiguration.fromEnvironment(Environment.merged().merging(
            brokers.map { ["KAFKA_BROKERS": $0] } ?? [:], uniquingKeysWith: { $1 }))
        if let brokers { configuration.brokers = brokers }
        return configuration
    }
}
