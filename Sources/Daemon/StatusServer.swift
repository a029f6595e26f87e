#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import Logging
import Telemetry
import NIOCore
import ServiceLifecycle

/// The daemon's HTTP face: `GET /metrics` (the registry in Prometheus text) and `GET /healthz`
/// (200 or 503 with a short JSON body). Hummingbird over SwiftNIO; see
/// docs/decisions/0014-http-server-for-metrics.md for why this server.
///
/// Runs as a ServiceLifecycle `Service`, so a `ServiceGroup` starts it, and shuts it down
/// gracefully after the work loop has stopped, so the last scrape still sees the last batch.
public struct StatusServer: Sendable {
    public let address: ListenAddress
    public let status: DaemonStatus
    let logger: Logger

    public init(address: ListenAddress, status: DaemonStatus, logger: Logger) {
        self.address = address
        self.status = status
        self.logger = logger
    }

    /// The server as a `Service`; `onListening` learns the bound address (the real port when
    /// `address.port` is 0) once the socket accepts connections.
    public func service(onListening: @escaping @Sendable (ListenAddress) async -> Void = { _ in }) -> some Service {
        let router = Router()
        let status = status
        router.get("metrics") { _, _ -> Response in
            Self.response(.ok, contentType: Exposition.contentType, Exposition.text(status.registry))
        }
        router.get("healthz") { _, _ -> Response in
            let report = status.health.report()
            return Self.response(report.isHealthy ? .ok : .serviceUnavailable, contentType: "application/json", report.json)
        }
        // Hummingbird logs each start and stop at info; the tool says it once, in its own words.
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        let address = address, logger = logger
        return Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in
                let bound = ListenAddress(host: address.host, port: channel.localAddress?.port ?? address.port)
                logger.info("status server listening on http://\(bound)/metrics and /healthz")
                await onListening(bound)
            },
            logger: quiet)
    }

    static func response(_ status: HTTPResponse.Status, contentType: String, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: contentType, .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// A bind failure as the sentence an operator needs: which address, and what the system said.
    static func listenError(_ address: ListenAddress, _ error: any Error) -> DaemonError {
        let detail: String
        if let io = error as? IOError {
            detail = Self.describe(errno: io.errnoCode)
        } else if let unknown = error as? SocketAddressError.UnknownHost {
            detail = "the host name does not resolve (\(unknown.errorDescription))"
        } else {
            detail = "\(error)"
        }
        return DaemonError(.listen, "cannot listen on \(address) for the status server: \(detail)")
    }

    static func describe(errno code: Int32) -> String {
        switch code {
        case EADDRINUSE: "the address is already in use (another process listens on that port)"
        case EADDRNOTAVAIL: "the address is not one of this host's"
        case EACCES: "permission denied (ports below 1024 need privileges)"
        default: "\(String(cString: strerror(code))) (errno \(code))"
        }
    }
}
