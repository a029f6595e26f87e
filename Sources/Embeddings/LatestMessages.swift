/// Keeps the newest message per id while a range is read: the contract says the record at the
/// higher offset wins. Offsets of different partitions are not comparable in time, so an id that
/// appears in two partitions (producers key by id, so it should not) keeps the higher offset,
/// then the higher partition, which at least gives the same answer on every run.
public struct LatestMessages: Sendable {
    private var byID: [String: TextMessage] = [:]
    /// Messages that lost to a newer one with the same id.
    public private(set) var superseded: Int64 = 0

    public init() {}

    public mutating func add(_ message: TextMessage) {
        if let existing = byID[message.id] {
            superseded += 1
            guard (message.offset, message.partition) > (existing.offset, existing.partition) else { return }
        }
        byID[message.id] = message
    }

    public var count: Int { byID.count }

    /// The winners in (partition, offset) order, so runs process them in the same order.
    public func sorted() -> [TextMessage] {
        byID.values.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
    }
}
