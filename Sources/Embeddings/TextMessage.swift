import Kafka
import Lifestream

/// One valid record of the text-messages topic (contract: spec/embeddings.md, "Topic").
public struct TextMessage: Sendable, Equatable {
    public var id: String
    public var text: String
    public var partition: Int32
    public var offset: Int64

    public init(id: String, text: String, partition: Int32, offset: Int64) {
        self.id = id
        self.text = text
        self.partition = partition
        self.offset = offset
    }

    /// The contract's limits.
    public static let maximumIDLength = 256
    public static let maximumTextBytes = 32 * 1024

    /// The message in `record`, or why it breaks the contract (the quarantine reason).
    public static func decode(_ record: KafkaRecord) -> Result<TextMessage, QuarantinedRecord> {
        func bad(_ reason: String) -> Result<TextMessage, QuarantinedRecord> {
            .failure(QuarantinedRecord(record: record, reason: reason))
        }
        guard let value = record.value else { return bad("the record has no value (null)") }
        let document: JSONValue
        do {
            document = try JSONParser.parse(value)
        } catch {
            return bad("the value is not JSON: \(error)")
        }
        guard case .object(let members) = document else { return bad("the value is not a JSON object") }
        // Which of two `id`s (or `text`s) counts would depend on the reader (RFC 8259: names SHOULD be unique).
        for name in ["id", "text"] where members.lazy.filter({ $0.key == name }).count > 1 {
            return bad("'\(name)' appears more than once")
        }
        guard let idValue = document["id"], idValue != .null else { return bad("'id' is missing") }
        guard case .string(let id) = idValue else { return bad("'id' is not a string") }
        guard !id.utf8.contains(0) else { return bad(nulReason("id")) }
        // Characters as PostgreSQL counts them (char_length: Unicode scalars), not Swift's graphemes:
        // one grapheme can hold thousands of combining marks, and 256 scalars (at most 1 KiB)
        // always fit the primary key's index, which refuses entries over 2704 bytes.
        let idLength = id.unicodeScalars.count
        guard idLength >= 1 else { return bad("'id' is empty") }
        guard idLength <= maximumIDLength else { return bad("'id' has \(idLength) characters; at most \(maximumIDLength)") }
        guard let textValue = document["text"], textValue != .null else { return bad("'text' is missing") }
        guard case .string(let text) = textValue else { return bad("'text' is not a string") }
        guard !text.utf8.contains(0) else { return bad(nulReason("text")) }
        guard !text.isEmpty else { return bad("'text' is empty") }
        let bytes = text.utf8.count
        guard bytes <= maximumTextBytes else { return bad("'text' has \(bytes) bytes of UTF-8; at most \(maximumTextBytes)") }
        return .success(TextMessage(id: id, text: text, partition: record.partition, offset: record.offset))
    }

    /// PostgreSQL's text cannot hold U+0000: stored, the message would stop every later run.
    private static func nulReason(_ field: String) -> String {
        "'\(field)' holds a NUL character (\\u0000), which PostgreSQL text cannot store"
    }
}

/// A record kept out of the table, with the reason a person reads in the quarantine table.
public struct QuarantinedRecord: Error, Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    /// Milliseconds since the epoch, as Kafka stored it.
    public var timestamp: Int64?
    public var reason: String

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?, timestamp: Int64?, reason: String) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.reason = reason
    }

    public init(record: KafkaRecord, reason: String) {
        topic = record.topic
        partition = record.partition
        offset = record.offset
        key = record.key
        value = record.value
        timestamp = record.timestamp
        self.reason = reason
    }
}
