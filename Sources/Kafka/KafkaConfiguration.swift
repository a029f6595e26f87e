import Foundation
import Redaction

/// Where the cluster is and how to authenticate: the settings every client in this module shares.
///
/// Kept as plain values (not a librdkafka `rd_kafka_conf_t`) so it can be read from the
/// environment once, printed safely, and handed to any number of producers, readers and admins.
public struct KafkaConfiguration: Sendable, CustomStringConvertible {
    /// Comma-separated `host:port` list (librdkafka's `bootstrap.servers`).
    public var brokers: String
    public var saslUsername: String?
    /// Never printed: `description` shows `***` instead.
    public var saslPassword: String?
    /// `sasl.mechanisms`, e.g. PLAIN or SCRAM-SHA-512.
    public var saslMechanism: String
    /// `security.protocol`; when `nil` it is SASL_SSL if a username is set (as managed clusters
    /// require), else librdkafka's default (PLAINTEXT).
    public var securityProtocol: String?
    /// Any other librdkafka property, applied after this module's defaults so it can override them.
    public var extra: [String: String]

    public init(
        brokers: String, saslUsername: String? = nil, saslPassword: String? = nil,
        saslMechanism: String = "PLAIN", extra: [String: String] = [:]
    ) {
        self.brokers = brokers
        self.saslUsername = saslUsername
        self.saslPassword = saslPassword
        self.saslMechanism = saslMechanism
        self.securityProtocol = nil
        self.extra = extra
    }

    /// Reads KAFKA_BROKERS (required), KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_SASL_MECHANISM
    /// and KAFKA_SECURITY_PROTOCOL, the variables of the seeds' `.env`. Empty values count as unset.
    public static func fromEnvironment(
        _ env: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> KafkaConfiguration {
        func value(_ name: String) -> String? {
            guard let v = env[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
            return v
        }
        let context = "Kafka could not be configured from the environment"
        guard let brokers = value("KAFKA_BROKERS") else {
            throw KafkaError(code: .init(.configuration), message: "KAFKA_BROKERS is not set (expected host:port[,host:port…])", context: context)
        }
        let username = value("KAFKA_SASL_USERNAME")
        // A password may legitimately contain leading/trailing spaces: take it verbatim.
        let password = env["KAFKA_SASL_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if username != nil, password == nil {
            throw KafkaError(code: .init(.configuration), message: "KAFKA_SASL_USERNAME is set but KAFKA_SASL_PASSWORD is not", context: context)
        }
        if username == nil, password != nil {
            throw KafkaError(code: .init(.configuration), message: "KAFKA_SASL_PASSWORD is set but KAFKA_SASL_USERNAME is not", context: context)
        }
        var configuration = KafkaConfiguration(
            brokers: brokers, saslUsername: username, saslPassword: password,
            saslMechanism: value("KAFKA_SASL_MECHANISM") ?? "PLAIN")
        configuration.securityProtocol = value("KAFKA_SECURITY_PROTOCOL")
        return configuration
    }

    /// The security protocol actually used.
    public var effectiveSecurityProtocol: String {
        securityProtocol ?? (saslUsername != nil ? "SASL_SSL" : "PLAINTEXT")
    }

    /// The librdkafka properties for these settings, in the order they are to be applied.
    /// Contains the password: internal, and never logged.
    var librdkafkaProperties: [(key: String, value: String)] {
        var properties: [(key: String, value: String)] = [("bootstrap.servers", brokers)]
        if securityProtocol != nil || saslUsername != nil {
            properties.append(("security.protocol", effectiveSecurityProtocol))
        }
        if let saslUsername {
            properties.append(("sasl.mechanisms", saslMechanism))
            properties.append(("sasl.username", saslUsername))
            if let saslPassword { properties.append(("sasl.password", saslPassword)) }
        }
        for key in extra.keys.sorted() { properties.append((key, extra[key]!)) }
        return properties
    }

    /// True for librdkafka properties whose values must never be shown (the tool's one rule,
    /// `Redactor.isSecretKey`).
    static func isSecret(_ key: String) -> Bool { Redactor.isSecretKey(key) }

    /// The values of the secret properties, for scrubbing librdkafka's messages.
    var secretValues: [String] {
        librdkafkaProperties.filter { Self.isSecret($0.key) && !$0.value.isEmpty }.map(\.value)
    }

    public var description: String {
        var parts = ["brokers \(Redactor.text(brokers, secrets: secretValues))", effectiveSecurityProtocol]
        if let saslUsername {
            parts.append("SASL \(saslMechanism) as \(saslUsername) with password \(saslPassword == nil ? "unset" : "***")")
        }
        let extras = extra.keys.sorted().map { "\($0)=\(Self.isSecret($0) ? Redactor.mask : Redactor.text(extra[$0]!))" }
        if !extras.isEmpty { parts.append("extra: " + extras.joined(separator: ", ")) }
        return "Kafka " + parts.joined(separator: ", ")
    }
}
