import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// HTTP/1.1 to the embedding service, `http://` and `https://` alike, through swift-server's
/// async-http-client (docs/decisions/0015-async-http-client.md says why, with measurements).
///
/// Blocking by design, like the Kafka and PostgreSQL wrappers: `send` runs the request on NIO's
/// event loop and the calling thread waits for the answer, sleeping, not spinning. Callers are
/// worker threads or the main thread: never an event-loop thread (NIO traps a `wait()` there
/// rather than deadlock), and not Swift's cooperative pool, whose threads must not block.
///
/// Each transport owns one `HTTPClient` on the process-wide event loop group and shuts it down,
/// without blocking, when it goes away. Up to `connections` connections are pooled and kept alive
/// when the service allows it (the reference service's server, Werkzeug, closes every connection
/// after its answer); the pool notices one the service closed while idle. Failures are reported
/// at once, connection attempts included, for the callers (`BatchEmbedder`, `EmbedRunner`) to
/// retry with their backoff; the one exception is a request whose connection turned out to be
/// closed before any answer, which is sent once more (`send`).
final class HTTPTransport: Sendable {
    /// Why an exchange produced no HTTP answer, in words.
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// One HTTP answer: status, lower-cased header names, body.
    struct Answer: Sendable {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    private let client: HTTPClient
    private let opened: OpenedConnections
    /// `scheme://host:port` without user, password, path or query: paths are appended per request.
    private let origin: String
    private let timeout: Double

    /// - Parameters:
    ///   - timeout: seconds a request may take from start to the end of its answer (connecting included).
    ///   - trustRoots: a PEM file (or directory) of certificate authorities to trust for `https://`
    ///     instead of the system's; nil for the system's.
    init(baseURL: URL, timeout: Double, connections: Int, trustRoots: String? = nil) {
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) ?? URLComponents()
        components.user = nil
        components.password = nil
        components.path = ""
        components.query = nil
        components.fragment = nil
        origin = components.string ?? baseURL.absoluteString
        self.timeout = timeout
        let limit = TimeAmount.milliseconds(Int64(timeout * 1000))
        var tls = TLSConfiguration.makeClientConfiguration()
        if let trustRoots { tls.trustRoots = .file(trustRoots) }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: limit, read: limit),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connections)),
            decompression: .disabled)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.httpVersion = .http1Only
        let opened = OpenedConnections()
        configuration.http1_1ConnectionDebugInitializer = { channel in
            opened.count()
            return channel.eventLoop.makeSucceededVoidFuture()
        }
        self.opened = opened
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Connections opened so far (TLS handshakes, for https): one per kept-alive connection.
    var connectionsOpened: Int { opened.value }

    deinit {
        client.shutdown { _ in }  // non-blocking, so safe on whichever thread drops the last reference
    }

    /// Sends one request and waits for its whole answer, at most `timeout` seconds. A request whose
    /// connection closed before any of the answer arrived is sent once more at once: that is what a
    /// kept-alive connection the service closed while idle looks like (standard client behaviour;
    /// both requests the service knows are idempotent). Any other failure is the caller's to retry.
    func send(method: String, path: String, body: [UInt8]?) -> Result<Answer, Failure> {
        let request: HTTPClient.Request
        do {
            var headers = HTTPHeaders([("Accept", "application/json")])
            if body != nil { headers.add(name: "Content-Type", value: "application/json") }
            request = try HTTPClient.Request(url: origin + path, method: HTTPMethod(rawValue: method), headers: headers,
                                             body: body.map { .bytes($0) })
        } catch {
            return .failure(Failure("cannot make a request of \(origin + path): \(error)"))
        }
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeout * 1000))
        var attempt = 1
        while true {
            let collector = AnswerCollector()
            do {
                return .success(try client.execute(request: request, delegate: collector, deadline: deadline).wait())
            } catch {
                if attempt == 1, !collector.answerStarted, Self.connectionClosed(error) {
                    attempt += 1
                    continue
                }
                return .failure(Failure(describe(error)))
            }
        }
    }

    /// The connection was found closed (by the service, or as the request was written to it).
    private static func connectionClosed(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError { return error == .remoteConnectionClosed }
        if let error = error as? ChannelError { return error == .ioOnClosedChannel || error == .alreadyClosed || error == .eof }
        if let error = error as? IOError { return error.errnoCode == ECONNRESET || error.errnoCode == EPIPE }
        return false
    }

    /// The error as the end of a sentence ("… did not answer /health: the connection was refused").
    private func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError:
            switch error {
            case .remoteConnectionClosed: return "the connection dropped"
            case .readTimeout, .deadlineExceeded: return "the request timed out (no answer within \(Self.seconds(timeout)))"
            case .connectTimeout: return "connecting timed out (\(Self.seconds(timeout)))"
            default: return "\(error)"
            }
        case let error as HTTPParserError:
            if case .invalidEOFState = error { return "the connection dropped in the middle of the answer" }
            return "the answer is not valid HTTP (\(error))"
        case let error as IOError where error.errnoCode == ECONNRESET || error.errnoCode == EPIPE:
            return "the connection dropped"
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return "the connection was refused"
        case let error as NIOConnectionError:
            let refused = error.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            return refused ? "the connection was refused" : "cannot connect to \(error.host):\(error.port)"
        case let error as ChannelError where error == .ioOnClosedChannel || error == .alreadyClosed || error == .eof:
            return "the connection dropped"
        case is ChannelError:
            return "the connection failed (\(error))"
        case is NIOSSLError, is NIOSSLExtraError:
            return "TLS with the service failed: \(error)"
        default:
            return "\(error)"
        }
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

/// Collects one answer as it arrives on the event loop, and tells whether any of it arrived.
private final class AnswerCollector: HTTPClientResponseDelegate {
    typealias Response = HTTPTransport.Answer

    private let answer = Mutex<HTTPTransport.Answer?>(nil)

    /// The status line arrived: a failure now is an answer cut off, not a connection found closed.
    var answerStarted: Bool { answer.withLock { $0 != nil } }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        var headers: [String: String] = [:]
        for (name, value) in head.headers { headers[name.lowercased()] = value }
        answer.withLock { $0 = HTTPTransport.Answer(status: Int(head.status.code), headers: headers, body: []) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        answer.withLock { $0?.body.append(contentsOf: buffer.readableBytesView) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        guard let whole = answer.withLock({ $0 }) else { throw HTTPClientError.remoteConnectionClosed }
        return whole
    }
}

/// How many connections the pool has opened (counted as each is set up, on the event loop).
private final class OpenedConnections: Sendable {
    private let opened = Atomic<Int>(0)
    var value: Int { opened.load(ordering: .relaxed) }
    func count() { opened.add(1, ordering: .relaxed) }
}
