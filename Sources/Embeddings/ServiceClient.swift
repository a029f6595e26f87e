import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Lifestream
import Redaction

/// The embedding service over HTTP (contract: spec/embeddings.md, "Embedding service").
///
/// Synchronous by design, like the Kafka and PostgreSQL wrappers: each call blocks its thread until
/// the answer arrives, and the backfill calls it from worker threads of its own, never from Swift's
/// cooperative pool. Connections are kept alive between batches: plain `http://` over sockets
/// (`SocketHTTPTransport`, which costs no CPU while waiting), `https://` through URLSession.
public final class ServiceClient: EmbeddingSource, @unchecked Sendable {
    public let baseURL: URL
    private let transport: any HTTPTransport
    private let basePath: String

    /// - Parameters:
    ///   - baseURL: e.g. `http://127.0.0.1:58080`; `/health` and `/generate` are appended.
    ///   - timeout: seconds one request may take before it counts as a dropped connection.
    ///   - connections: connections kept to the service (the backfill's concurrency).
    public init(baseURL: URL, timeout: Double = 120, connections: Int = 4) {
        self.baseURL = baseURL
        basePath = baseURL.path.hasSuffix("/") ? String(baseURL.path.dropLast()) : baseURL.path
        if baseURL.scheme?.lowercased() == "http", let host = baseURL.host {
            transport = SocketHTTPTransport(host: host, port: baseURL.port ?? 80, timeout: timeout)
        } else {
            transport = URLSessionTransport(baseURL: baseURL, timeout: timeout, connections: connections)
        }
    }

    /// Reads a URL as the user gave it (flag or EMBEDDING_SERVICE_URL); must be http(s) with a host.
    public static func parseURL(_ text: String) throws -> URL {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let url = URL(string: trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed),
              let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil
        else {
            throw EmbeddingsError(.service, "'\(redact(trimmed))' is not an http:// or https:// URL of the embedding service")
        }
        return url
    }

    /// The URL for messages: without user or password (nobody needs them to tell which service
    /// was meant), and through the redactor for anything else secret (a token parameter).
    public var displayName: String {
        guard var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) else { return Self.redact(baseURL.absoluteString) }
        components.user = nil
        components.password = nil
        return Self.redact(components.string ?? baseURL.absoluteString)
    }

    static func redact(_ text: String) -> String { Redactor.text(text) }

    public func health() -> Result<ServiceHealth, EmbeddingsError> {
        switch send("GET", "/health", body: nil) {
        case .failure(let reason):
            return .failure(EmbeddingsError(.service, "the embedding service at \(displayName) did not answer /health: \(reason)"))
        case .success(let answer):
            let (status, body) = (answer.status, answer.body)
            guard status == 200 else {
                return .failure(EmbeddingsError(.service, "the embedding service at \(displayName) answered /health with HTTP \(status)\(Self.errorSuffix(body))"))
            }
            guard let answer = try? EmbeddingResponse.parse(body), let model = answer.model, !model.isEmpty,
                  let dimension = answer.dimension, dimension > 0
            else {
                return .failure(EmbeddingsError(.protocolViolation, "the embedding service at \(displayName) answered /health without a model name and a positive dimension"))
            }
            return .success(ServiceHealth(model: model, dimension: dimension))
        }
    }

    public func generate(_ texts: [String]) -> GenerateOutcome {
        var body = "{\"texts\":["
        for (index, text) in texts.enumerated() {
            if index > 0 { body += "," }
            JSONValue.appendQuoted(text, to: &body)
        }
        body += "]}"
        switch send("POST", "/generate", body: Array(body.utf8)) {
        case .failure(let reason):
            return .transient(reason: reason.description, retryAfter: nil)
        case .success(let answer):
            let (status, headers, data) = (answer.status, answer.headers, answer.body)
            if status == 200 {
                do {
                    return .success(try EmbeddingResponse.parse(data))
                } catch {
                    // A cut-off body is what a dropped connection mid-answer looks like.
                    return .transient(reason: "the answer to /generate is not usable JSON (\(error))", retryAfter: nil)
                }
            }
            let retryAfter = headers["retry-after"].flatMap { RetryPolicy.parseRetryAfter($0) }
            if status == 429 || status >= 500 {
                return .transient(reason: "HTTP \(status)\(Self.errorSuffix(data))", retryAfter: retryAfter)
            }
            return .rejected(status: status, message: "HTTP \(status)\(Self.errorSuffix(data))")
        }
    }

    /// ": <the service's error text>" when the body carries one, else "".
    static func errorSuffix(_ body: [UInt8]) -> String {
        if let answer = try? EmbeddingResponse.parse(body), let error = answer.error, !error.isEmpty {
            return ": " + String(error.prefix(300))
        }
        return ""
    }

    private func send(_ method: String, _ path: String, body: [UInt8]?) -> Result<HTTPAnswer, TransportFailure> {
        transport.send(method: method, path: basePath + path, body: body)
    }
}

/// One HTTP answer: status, lower-cased header names, body.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
}

/// Sends one request and waits for its answer (blocking the calling thread).
protocol HTTPTransport: Sendable {
    func send(method: String, path: String, body: [UInt8]?) -> Result<HTTPAnswer, TransportFailure>
}

/// HTTPS (and anything not plain http) through Foundation's URLSession.
final class URLSessionTransport: HTTPTransport, @unchecked Sendable {
    private let session: URLSession
    private let timeout: Double
    private let baseURL: URL

    init(baseURL: URL, timeout: Double, connections: Int) {
        self.baseURL = baseURL
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = max(1, connections)
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    deinit { session.invalidateAndCancel() }

    func send(method: String, path: String, body: [UInt8]?) -> Result<HTTPAnswer, TransportFailure> {
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)!
        components.path = path
        var request = URLRequest(url: components.url!)
        request.httpMethod = method
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body)
        }
        let box = ExchangeBox()
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                box.result = .failure(TransportFailure(Self.describe(error)))
            } else if let http = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (key, value) in http.allHeaderFields {
                    if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
                }
                box.result = .success(HTTPAnswer(status: http.statusCode, headers: headers, body: [UInt8](data ?? Data())))
            } else {
                box.result = .failure(TransportFailure("no HTTP answer"))
            }
            box.done.signal()
        }
        task.resume()
        if box.done.wait(timeout: .now() + timeout + 5) == .timedOut {
            task.cancel()
            return .failure(TransportFailure("no answer within \(Int(timeout)) s"))
        }
        return box.result ?? .failure(TransportFailure("no answer"))
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? URLError {
            switch error.code {
            case .networkConnectionLost: return "the connection dropped"
            case .cannotConnectToHost: return "the connection was refused"
            case .timedOut: return "the request timed out"
            case .badServerResponse: return "the server closed the connection without a valid answer"
            default: return "\(error.localizedDescription) (URLError \(error.code.rawValue))"
            }
        }
        return "\(error.localizedDescription)"
    }
}

/// Carries one exchange's result from URLSession's delegate queue to the waiting thread.
private final class ExchangeBox: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    var result: Result<HTTPAnswer, TransportFailure>?
}

/// Why an exchange produced no HTTP answer, in words.
struct TransportFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
