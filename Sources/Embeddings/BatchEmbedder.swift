import Foundation
import Lifestream
import Logging

/// Turns one batch of messages into validated vectors, whatever the service does meanwhile:
/// 429, 5xx and dropped connections are retried with backoff (honouring `Retry-After`); a 4xx
/// is bisected down to the one text the service refuses, which is quarantined; a vector with
/// NaN/Inf or the wrong length is rejected (quarantined, never stored). Only a service that keeps
/// failing past the retry budget, or one that changes model or dimension mid-run, ends the run.
struct BatchEmbedder: Sendable {
    let source: any EmbeddingSource
    let health: ServiceHealth
    let retry: RetryPolicy
    let topic: String
    let logger: Logger

    struct Output: Sendable {
        var vectors: [(TextMessage, [Float])] = []
        var quarantined: [QuarantinedRecord] = []
        var retries = 0
    }

    func embed(_ messages: [TextMessage]) throws -> Output {
        var output = Output()
        try embed(messages[...], into: &output)
        return output
    }

    private func embed(_ messages: ArraySlice<TextMessage>, into output: inout Output) throws {
        guard !messages.isEmpty else { return }
        let texts = messages.map(\.text)
        var failures = 0
        while true {
            switch source.generate(texts) {
            case .success(let response):
                try accept(response, for: messages, into: &output)
                return
            case .rejected(let status, let message):
                if messages.count == 1 {
                    output.quarantined.append(quarantine(messages.first!, "the embedding service rejected the text: \(message)"))
                    logger.warning("text rejected by the embedding service", metadata: [
                        "id": "\(messages.first!.id)", "partition": "\(messages.first!.partition)", "offset": "\(messages.first!.offset)", "status": "\(status)",
                    ])
                } else {
                    let middle = messages.startIndex + messages.count / 2
                    try embed(messages[..<middle], into: &output)
                    try embed(messages[middle...], into: &output)
                }
                return
            case .transient(let reason, let retryAfter):
                failures += 1
                guard failures <= retry.maxRetries else {
                    throw EmbeddingsError(.service, "the embedding service at \(source.displayName) kept failing: \(reason) (gave up after \(retry.maxRetries) retries of a batch of \(messages.count))")
                }
                output.retries += 1
                let wait = retry.delay(retry: failures, retryAfter: retryAfter, jitter: Double.random(in: 0..<1))
                logger.info("embedding service busy or failing; retrying", metadata: [
                    "reason": "\(reason)", "retry": "\(failures)", "wait_s": "\(String(format: "%.2f", wait))",
                ])
                Thread.sleep(forTimeInterval: wait)
            }
        }
    }

    private func accept(_ response: EmbeddingResponse, for messages: ArraySlice<TextMessage>, into output: inout Output) throws {
        if let model = response.model, model != health.model {
            throw EmbeddingsError(.modelChanged, "the embedding service at \(source.displayName) switched from model \(health.model) to \(model) during the run, so its vectors would not be comparable with the others; nothing of this batch was stored")
        }
        if let dimension = response.dimension, dimension != health.dimension {
            throw EmbeddingsError(.modelChanged, "the embedding service at \(source.displayName) answered with \(dimension) dimensions although /health said \(health.dimension); nothing of this batch was stored")
        }
        guard let vectors = response.vectors, vectors.count == messages.count else {
            throw EmbeddingsError(.protocolViolation, "the embedding service at \(source.displayName) returned \(response.vectors?.count ?? 0) embeddings for \(messages.count) texts")
        }
        for (message, vector) in zip(messages, vectors) {
            if vector.count != health.dimension {
                output.quarantined.append(quarantine(message, "the embedding service returned a vector of \(vector.count) values instead of \(health.dimension); rejected"))
            } else if !vector.allSatisfy(\.isFinite) {
                output.quarantined.append(quarantine(message, "the embedding service returned a vector with NaN or infinite values; rejected"))
            } else {
                output.vectors.append((message, vector))
            }
        }
    }

    private func quarantine(_ message: TextMessage, _ reason: String) -> QuarantinedRecord {
        QuarantinedRecord(message: message, topic: topic, reason: reason)
    }
}

extension QuarantinedRecord {
    /// A valid record the service could not embed. The raw value is rebuilt from the message
    /// (the original bytes are not kept in memory for every message); id and text are exact.
    init(message: TextMessage, topic: String, reason: String) {
        var value = "{\"id\":"
        JSONValue.appendQuoted(message.id, to: &value)
        value += ",\"text\":"
        JSONValue.appendQuoted(message.text, to: &value)
        value += "}"
        self.init(topic: topic, partition: message.partition, offset: message.offset, key: nil, value: Array(value.utf8), timestamp: nil, reason: reason)
    }
}
