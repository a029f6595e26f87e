import Lifestream

/// Deterministic, sentence-like text messages for demos and benchmarks: the same seed gives the
/// same messages. Short everyday sentences (10–40 tokens), as chat messages are, so the model's
/// cost per text is realistic. With `ids` below the message count, later messages reuse ids with
/// new texts (edits), which the backfill must resolve to the newest.
public struct SampleTexts: Sequence, IteratorProtocol {
    private var state: UInt64
    private var index = 0
    public let count: Int
    public let ids: Int

    public init(count: Int, ids: Int? = nil, seed: UInt64 = 1) {
        self.count = count
        self.ids = Swift.max(1, ids ?? count)
        state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    }

    static let subjects = ["The delivery driver", "My neighbour", "Our team lead", "A small child", "The old fisherman", "Your sister",
                           "The new intern", "A tired nurse", "The bakery owner", "Someone at the station", "The cat", "Grandpa"]
    static let verbs = ["is waiting for", "just found", "keeps asking about", "forgot", "cannot stop talking about", "is repairing",
                        "brought back", "is painting", "wants to sell", "lost", "is cooking", "ordered"]
    static let objects = ["a blue bicycle", "the quarterly report", "fresh bread", "an umbrella", "the train tickets", "a birthday cake",
                          "the broken heater", "two concert passes", "a stack of old letters", "the spare keys", "a puppy", "the garden hose"]
    static let endings = ["near the harbour this morning.", "before the meeting starts.", "because it is raining again.",
                          "and nobody knows why.", "at the market on Saturday.", "while the power is out.", "after lunch.",
                          "in the parking lot behind the library.", "for the third time this week.", "so call me back when you can."]

    private mutating func next(_ bound: Int) -> Int {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Int(state % UInt64(bound))
    }

    /// (id, JSON value) of the next message.
    public mutating func next() -> (id: String, value: String)? {
        guard index < count else { return nil }
        defer { index += 1 }
        let id = "msg-\(index % ids)"
        var text = "\(Self.subjects[next(Self.subjects.count)]) \(Self.verbs[next(Self.verbs.count)]) \(Self.objects[next(Self.objects.count)]) \(Self.endings[next(Self.endings.count)])"
        if next(4) == 0 { text += " Also, \(Self.subjects[next(Self.subjects.count)].lowercased()) \(Self.verbs[next(Self.verbs.count)]) \(Self.objects[next(Self.objects.count)])." }
        text += " (#\(index))"
        var value = "{\"id\":"
        JSONValue.appendQuoted(id, to: &value)
        value += ",\"text\":"
        JSONValue.appendQuoted(text, to: &value)
        value += "}"
        return (id, value)
    }
}
