import CRdKafka
import Foundation
import Redaction

/// Owns one `rd_kafka_t`: builds it from properties and destroys it when released.
///
/// `@unchecked Sendable` because it wraps a C handle the compiler cannot check: librdkafka
/// handles are thread-safe, so a handle may be shared across threads; what is *not* safe is
/// destroying it while another thread still uses it, which ownership by one class prevents (the
/// handle goes in `deinit`, when no thread holds the class any more). `keepAlive` is only held,
/// never touched, here.
final class ClientHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    /// Whatever the handle's callbacks point at (its opaque); released only after the handle is
    /// destroyed, since librdkafka may call back until then.
    private let keepAlive: AnyObject?

    /// - Parameters:
    ///   - properties: applied in order; later ones override earlier ones.
    ///   - purpose: finishes "Kafka could not …" in errors, e.g. "create a range reader".
    ///   - keepAlive: an object the callbacks use through the conf's opaque.
    ///   - configure: sets callbacks or an opaque on the `rd_kafka_conf_t` before the handle is made.
    init(
        type: rd_kafka_type_t, properties: [(key: String, value: String)], purpose: String,
        keepAlive: AnyObject? = nil, configure: (OpaquePointer) -> Void = { _ in }
    ) throws {
        let context = "Kafka could not \(purpose)"
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(code: .init(.librdkafka), message: "rd_kafka_conf_new failed", context: context)
        }
        var errstr = [CChar](repeating: 0, count: 512)
        // librdkafka's complaints may quote a value back: every one goes through the redactor.
        let secrets = properties.filter { KafkaConfiguration.isSecret($0.key) && !$0.value.isEmpty }.map(\.value)
        for (key, value) in properties {
            let result = rd_kafka_conf_set(conf, key, value, &errstr, errstr.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(code: .init(.configuration), message: Redactor.text(String(errorBuffer: errstr), secrets: secrets), context: context)
            }
        }
        KafkaLog.install(on: conf)
        configure(conf)
        // On success rd_kafka_new takes ownership of conf; on failure it stays ours.
        guard let handle = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(code: .init(.configuration), message: Redactor.text(String(errorBuffer: errstr), secrets: secrets), context: context)
        }
        pointer = handle
        self.keepAlive = keepAlive
    }

    deinit { rd_kafka_destroy(pointer) }
}

extension String {
    /// The NUL-terminated text librdkafka wrote into an `errstr` buffer.
    init(errorBuffer buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self.init(decoding: bytes, as: UTF8.self)
    }
}
