/// A deterministic, streaming source of realistic lifestream Kafka records: the data of
/// the demo, the benchmarks and the end-to-end tests.
///
/// Records are made one at a time (memory grows with subjects, not events), from a seeded
/// PRNG of our own: the same options always give byte-identical records. The stream has
/// what real producers send — events out of event order, partial events before their
/// creating one, subjects that never get one, duplicates (some with a different payload),
/// events at equal instants, varied timestamp formats and producers' quirks — and a small
/// share of invalid records, each breaking one rule, labelled with the contract's reason.
public struct EventGenerator: Sequence, Sendable {
    public let options: GeneratorOptions

    public init(options: GeneratorOptions) { self.options = options }

    public func makeIterator() -> Iterator { Iterator(options: options) }

    public struct Iterator: IteratorProtocol, Sendable {
        private var arrival: ArrivalOrder

        init(options: GeneratorOptions) { arrival = ArrivalOrder(options: options) }

        public mutating func next() -> GeneratedRecord? { arrival.next() }
    }

    /// Every quarantine reason the generator produces (given enough events).
    public static var quarantineReasons: Set<String> { InvalidRecipe.reasons }
}
