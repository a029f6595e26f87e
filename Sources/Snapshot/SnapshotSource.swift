import Foundation
import Postgres
import Store

extension SnapshotManifest.Source {
    /// Where the connection goes, for the manifest: the host and port as configured (a name an
    /// operator recognises, falling back to the server's address) and the database the server
    /// reports. Built from parsed parts, never from the URL text, so a password cannot leak in.
    static func describe(_ connection: PostgresConnection, schema: String) throws -> Self {
        let server = try connection.query(
            "SELECT current_database(), host(inet_server_addr()), inet_server_port()")
        let configured = ConfiguredEndpoint(connection.configuration.url)
        let host = configured.host ?? server[0, 1] ?? "local socket"
        let port = configured.port ?? server[0, 2].flatMap { Int($0) }
        return Self(host: host, port: port, database: server[0, 0] ?? "", schema: schema)
    }
}

/// Host and port from a `postgres://` URL or a `key=value` conninfo string; nothing else is read.
private struct ConfiguredEndpoint {
    var host: String?
    var port: Int?

    init(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            // URLComponents does not know the scheme but parses the authority generically.
            let components = URLComponents(string: trimmed)
            host = components?.host.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding ?? $0 }
            port = components?.port
            if host == nil, let query = components?.queryItems {
                host = query.first { $0.name == "host" || $0.name == "hostaddr" }?.value
                port = port ?? query.first { $0.name == "port" }?.value.flatMap { Int($0) }
            }
        } else {
            var values: [String: String] = [:]
            for pair in trimmed.split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { values[parts[0]] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "'")) }
            }
            host = values["host"] ?? values["hostaddr"]
            port = values["port"].flatMap { Int($0) }
        }
        // A socket directory is not a host anyone looks for.
        if let current = host, current.hasPrefix("/") { host = nil }
    }
}
