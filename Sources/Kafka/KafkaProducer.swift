import CRdKafka
import Foundation
import Synchronization

/// Writes records to Kafka with librdkafka's batching: `send` only enqueues, `flush` waits for the
/// broker's acknowledgements and reports failures. Used to seed topics for demos and tests.
///
/// Defaults favour throughput and safety: `linger.ms=5` and large batches so records go out in
/// big compressed batches; `acks=all` with `enable.idempotence=true` so retries neither lose nor
/// duplicate records. Compression is whatever `compression.type` says (e.g. `zstd` in `extra`).
///
/// Sendable: librdkafka's produce, poll and flush calls are thread-safe on one handle, and the
/// only state of our own (the delivery tally) is behind a `Mutex`.
public final class KafkaProducer: Sendable {
    private let handle: ClientHandle
    private let tally: DeliveryTally

    /// Properties applied before the configuration's and `extra`, which may override them.
    public static let defaultProperties: [(key: String, value: String)] = [
        ("client.id", "backfill-producer"),
        ("linger.ms", "5"),
        ("batch.size", "1000000"),
        ("batch.num.messages", "100000"),
        ("queue.buffering.max.messages", "1000000"),
        ("acks", "all"),
        ("enable.idempotence", "true"),
    ]

    /// - Parameter extra: librdkafka producer properties for this producer only, applied last,
    ///   e.g. `["compression.type": "zstd"]`.
    public init(configuration: KafkaConfiguration, extra: [String: String] = [:]) throws {
        let tally = DeliveryTally()
        // The handle's opaque points at the tally, which the handle keeps alive until it is destroyed.
        handle = try ClientHandle(
            type: RD_KAFKA_PRODUCER,
            properties: Self.defaultProperties + configuration.librdkafkaProperties
                + extra.keys.sorted().map { ($0, extra[$0]!) },
            purpose: "create a producer for \(configuration.brokers)",
            keepAlive: tally
        ) { conf in
            rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(tally).toOpaque())
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
                guard let message, let opaque else { return }
                let err = message.pointee.err
                guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
                let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
                Unmanaged<DeliveryTally>.fromOpaque(opaque).takeUnretainedValue()
                    .recordFailure(err, topic: topic, partition: message.pointee.partition)
            }
        }
        self.tally = tally
    }

    /// Enqueues one record; delivery happens in the background and is checked by `flush`.
    /// When librdkafka's local queue is full this waits for deliveries to make room and retries,
    /// so a fast loop of `send`s is throttled rather than failed.
    ///
    /// - Parameters:
    ///   - partition: `nil` lets librdkafka's partitioner choose from the key.
    ///   - timestamp: milliseconds since the epoch; `nil` means now.
    public func send(
        topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?,
        headers: [KafkaHeader] = [], timestamp: Int64? = nil
    ) throws {
        let context = "Kafka could not send a record to \(partition.map { "partition \($0) of " } ?? "")\(topic)"
        // Header names and values laid out in one buffer so all pointers live through one call.
        var storage: [UInt8] = []
        var layout: [(name: Int, value: Int?, count: Int)] = []
        for header in headers {
            let nameOffset = storage.count
            storage.append(contentsOf: header.name.utf8)
            storage.append(0)
            if let value = header.value {
                layout.append((nameOffset, storage.count, value.count))
                storage.append(contentsOf: value)
            } else {
                layout.append((nameOffset, nil, 0))
            }
        }
        if storage.isEmpty { storage.append(0) }  // a non-nil base address for empty values

        try topic.withCString { topicName in
            try withBytes(key) { keyPointer, keyCount in
                try withBytes(value) { valuePointer, valueCount in
                    try storage.withUnsafeBytes { headerBytes in
                        let base = headerBytes.baseAddress!
                        var vus: [rd_kafka_vu_t] = []
                        vus.reserveCapacity(6 + layout.count)
                        vus.append(rd_kafka_vu_t(vtype: RD_KAFKA_VTYPE_TOPIC, u: .init(cstr: topicName)))
                        vus.append(rd_kafka_vu_t(vtype: RD_KAFKA_VTYPE_MSGFLAGS, u: .init(i: RD_KAFKA_MSG_F_COPY)))
                        if let partition {
                            vus.append(rd_kafka_vu_t(vtype: RD_KAFKA_VTYPE_PARTITION, u: .init(i32: partition)))
                        }
                        if let keyPointer {
                            vus.append(rd_kafka_vu_t(
                                vtype: RD_KAFKA_VTYPE_KEY, u: .init(mem: .init(ptr: keyPointer, size: keyCount))))
                        }
                        if let valuePointer {
                            vus.append(rd_kafka_vu_t(
                                vtype: RD_KAFKA_VTYPE_VALUE, u: .init(mem: .init(ptr: valuePointer, size: valueCount))))
                        }
                        if let timestamp {
                            vus.append(rd_kafka_vu_t(vtype: RD_KAFKA_VTYPE_TIMESTAMP, u: .init(i64: timestamp)))
                        }
                        for entry in layout {
                            let name = base.advanced(by: entry.name).assumingMemoryBound(to: CChar.self)
                            let value = entry.value.map { UnsafeRawPointer(base.advanced(by: $0)) }
                            vus.append(rd_kafka_vu_t(
                                vtype: RD_KAFKA_VTYPE_HEADER,
                                u: .init(header: .init(name: name, val: value, size: entry.count))))
                        }
                        try produce(vus, context: context)
                    }
                }
            }
        }
    }

    /// Waits until every enqueued record is acknowledged, then throws if any delivery failed since
    /// the last flush (how many, and the first error), so a seeding step never silently loses data.
    public func flush(timeout: Duration = .seconds(60)) throws {
        let err = rd_kafka_flush(handle.pointer, timeout.clampedMilliseconds)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let waiting = rd_kafka_outq_len(handle.pointer)
            throw KafkaError(
                err, context: "Kafka could not flush the producer",
                message: "\(waiting) records were still unacknowledged after \(timeout.secondsDescription)")
        }
        let (failed, first) = tally.take()
        if failed > 0, let first {
            throw KafkaError(
                code: .init(.deliveryFailed, rdKafkaError: first.code.rdKafkaError),
                message: "\(failed) record\(failed == 1 ? " was" : "s were") not delivered; the first to \(first.context): \(first.message)",
                context: "Kafka could not deliver every record")
        }
    }

    private func produce(_ vus: [rd_kafka_vu_t], context: String) throws {
        while true {
            let error = vus.withUnsafeBufferPointer { rd_kafka_produceva(handle.pointer, $0.baseAddress, $0.count) }
            guard let error else {
                rd_kafka_poll(handle.pointer, 0)  // serve delivery reports as we go
                return
            }
            let code = rd_kafka_error_code(error)
            if code == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_error_destroy(error)
                rd_kafka_poll(handle.pointer, 100)
                continue
            }
            if code == RD_KAFKA_RESP_ERR__FATAL {
                rd_kafka_error_destroy(error)
                var errstr = [CChar](repeating: 0, count: 512)
                let fatal = rd_kafka_fatal_error(handle.pointer, &errstr, errstr.count)
                throw KafkaError(fatal, context: context, message: "fatal producer error: \(String(errorBuffer: errstr))")
            }
            throw KafkaError(consuming: error, context: context)
        }
    }
}

/// Calls `body` with a pointer to the bytes (non-nil even when empty) or nil for `nil`, because
/// librdkafka distinguishes a null key or value (NULL pointer) from an empty one.
private func withBytes<R>(
    _ bytes: [UInt8]?, _ body: (UnsafeMutableRawPointer?, Int) throws -> R
) rethrows -> R {
    guard let bytes else { return try body(nil, 0) }
    if bytes.isEmpty {
        var zero: UInt8 = 0
        return try withUnsafeMutableBytes(of: &zero) { try body($0.baseAddress, 0) }
    }
    // librdkafka copies the bytes (RD_KAFKA_MSG_F_COPY) and never writes through the pointer.
    return try bytes.withUnsafeBytes { try body(UnsafeMutableRawPointer(mutating: $0.baseAddress), bytes.count) }
}

/// Failed deliveries since the last `flush`, written from librdkafka's callback.
final class DeliveryTally: Sendable {
    private struct State {
        var failed = 0
        var first: KafkaError?
    }

    private let state = Mutex(State())

    func recordFailure(_ err: rd_kafka_resp_err_t, topic: String, partition: Int32) {
        let where_ = partition >= 0 ? "partition \(partition) of \(topic)" : topic
        state.withLock { state in
            state.failed += 1
            if state.first == nil { state.first = KafkaError(err, context: where_) }
        }
    }

    /// The failures since the last call, forgetting them.
    func take() -> (Int, KafkaError?) {
        state.withLock { state in
            defer { state = State() }
            return (state.failed, state.first)
        }
    }
}
