/// One Kafka record header. Values are bytes (not strings) because producers put anything there;
/// `nil` is a header whose value is null, which Kafka distinguishes from an empty value.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// A header whose value is the UTF-8 bytes of `string`.
    public init(name: String, string: String) {
        self.init(name: name, value: Array(string.utf8))
    }
}
