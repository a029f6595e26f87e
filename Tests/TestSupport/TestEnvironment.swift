import Foundation

/// Where the integration tests find the real servers that `scripts/test.sh` starts.
///
/// Tests never fall back to a mock of our own: if a server is not configured the test
/// fails with a sentence that says how to start it.
public enum TestEnvironment {
    public struct Missing: Error, CustomStringConvertible {
        public let variable: String
        public init(variable: String) { self.variable = variable }
        public var description: String {
            "\(variable) is not set: run the tests through scripts/test.sh, or `source .local/env` after scripts/servers.sh start"
        }
    }

    /// `postgresql://…` of the local PostgreSQL 18 server (with pgvector).
    public static func databaseURL() throws -> String { try value("DATABASE_URL") }

    /// `postgresql://…` of the local PostgreSQL 15 server (Debian's postgresql-15, no pgvector):
    /// the other supported version, for the smoke test. Missing is a failure, not a skip: CI
    /// installs it (scripts/setup.sh) and starts it (scripts/servers.sh).
    public static func postgres15URL() throws -> String { try value("PG15_DATABASE_URL") }

    /// `host:port` of the local Kafka protocol broker (noida-db).
    public static func kafkaBrokers() throws -> String { try value("KAFKA_BROKERS") }

    /// `http://host:port` of the reference embedding service (services/embedding, started by
    /// scripts/servers.sh).
    public static func embeddingServiceURL() throws -> String { try value("EMBEDDING_SERVICE_URL") }

    /// A name no other test (or earlier run) uses: tests share one server and run in parallel.
    public static func uniqueName(_ prefix: String) -> String {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        return "\(prefix)_\(suffix)"
    }

    private static func value(_ name: String) throws -> String {
        if let value = ProcessInfo.processInfo.environment[name], !value.isEmpty { return value }
        throw Missing(variable: name)
    }
}
