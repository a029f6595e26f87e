import CRdKafka

/// Copying what librdkafka hands over out of its buffers, for every reader of the same shape.
enum KafkaMessage {
    /// Copies one message out of librdkafka's buffers.
    static func record(_ message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) -> KafkaRecord {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &type)
        var headers: [KafkaHeader] = []
        var list: OpaquePointer?
        if rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list {
            let count = rd_kafka_header_cnt(list)
            headers.reserveCapacity(count)
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            for index in 0..<count where rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(KafkaHeader(name: name == nil ? "" : String(cString: name!), value: bytes(value, size)))
            }
        }
        return KafkaRecord(
            topic: topic, partition: message.pointee.partition, offset: message.pointee.offset,
            timestamp: type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : KafkaRecord.timestamp(milliseconds: timestamp),
            key: bytes(message.pointee.key, message.pointee.key_len),
            value: bytes(message.pointee.payload, message.pointee.len),
            headers: headers)
    }

    @inline(__always)
    static func bytes(_ pointer: UnsafeRawPointer?, _ count: Int) -> [UInt8]? {
        guard let pointer else { return nil }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { buffer.baseAddress!.initialize(from: pointer.assumingMemoryBound(to: UInt8.self), count: count) }
            initialized = count
        }
    }

    static func errorText(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> String {
        // For error messages the payload, if any, is a human-readable description.
        if let payload = message.pointee.payload, message.pointee.len > 0 {
            let text = String(decoding: UnsafeRawBufferPointer(start: payload, count: message.pointee.len), as: UTF8.self)
            if !text.isEmpty { return text }
        }
        return String(cString: rd_kafka_err2str(message.pointee.err))
    }
}
