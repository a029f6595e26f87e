import CRdKafka
import Synchronization

/// Collects the client-wide errors librdkafka reports through its error callback (connection
/// refused, all brokers down, authentication failed, fatal errors), so a reader that gives up can
/// say *why* its partitions stalled instead of only that they did.
final class ClientErrors: Sendable {
    private struct State {
        var latest: KafkaError?
        var fatal: KafkaError?
    }

    private let state = Mutex(State())

    /// Installs the callback on a conf; the handle made from it must keep this object alive.
    func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_error_cb(conf) { _, err, reason, opaque in
            guard let opaque else { return }
            let code = rd_kafka_resp_err_t(rawValue: err)
            let text = reason.map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(code))
            Unmanaged<ClientErrors>.fromOpaque(opaque).takeUnretainedValue().record(code, text)
        }
    }

    private func record(_ err: rd_kafka_resp_err_t, _ text: String) {
        let error = KafkaError(err, context: "Kafka reported a client error", message: text)
        let unrecoverable = err == RD_KAFKA_RESP_ERR__FATAL || err == RD_KAFKA_RESP_ERR__AUTHENTICATION
        state.withLock { state in
            state.latest = error
            if unrecoverable { state.fatal = state.fatal ?? error }
        }
    }

    /// Forgets earlier errors, so a new read only reports its own.
    func reset() {
        state.withLock { $0.latest = nil }
    }

    /// The most recent error, if any.
    var last: KafkaError? { state.withLock { $0.latest } }

    /// An error after which waiting longer cannot help (fatal, or authentication refused).
    var unrecoverable: KafkaError? { state.withLock { $0.fatal } }
}
