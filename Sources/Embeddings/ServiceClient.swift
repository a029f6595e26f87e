import Foundation
import Lifestream
import Redaction

/// The embedding service over HTTP or HTTPS (contract: spec/embeddings.md, "Embedding service").
///
/// Synchronous by design, like the Kafka and PostgreSQL wrappers: each call blocks its thread until
/// the answer arrives, and the backfill calls it from worker threads of its own, never from Swift's
/// cooperative pool. `backfill embed` and `backfill config check` both talk to the service through
/// this one client (`HTTPTransport`), which keeps connections alive when the service does.
public final class ServiceClient: EmbeddingSource {
    public let baseURL: URL
    private let transport: HTTPTransport
    private let basePath: String

    /// - Parameters:
    ///   - baseURL: e.g. `http://127.0.0.1:58080`; `/health` and `/generate` are appended.
    ///   - timeout: seconds one request may take before it counts as a dropped connection.
    ///   - connections: connections kept to the service (the backfill's concurrency).
    ///   - trustRoots: for `https://`, a PEM file of certificate authorities to trust instead of the
    ///     system's (a service with a certificate from a private CA); nil trusts the system's.
    public init(baseURL: URL, timeout: Double = 120, connections: Int = 4, trustRoots: String? = nil) {
        self.baseURL = baseURL
        basePath = baseURL.path.hasSuffix("/") ? String(baseURL.path.dropLast()) : baseURL.path
        transport = HTTPTransport(baseURL: baseURL, timeout: timeout, connections: connections, trustRoots: trustRoots)
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

    /// Connections opened to the service so far: stays at `connections` or below while they are kept alive.
    var connectionsOpened: Int { transport.connectionsOpened }

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

    private func send(_ method: String, _ path: String, body: [UInt8]?) -> Result<HTTPTransport.Answer, HTTPTransport.Failure> {
        transport.send(method: method, path: basePath + path, body: body)
    }
}
