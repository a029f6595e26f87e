/// A checked JSON value as `JSONParser.scanObject` leaves it: what it is and where its bytes lie.
struct JSONSpan: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case null
        case bool(Bool)
        case number
        /// `escaped`: the text differs from the bytes (`JSONParser.string` decodes it).
        case string(escaped: Bool)
        case array
        case object
    }

    /// Facts about a value that strict JSON allows but PostgreSQL refuses, noted by the scan (the
    /// one pass that sees every byte and escape) so that the decoder can quarantine such a record
    /// before anything is stored, instead of a later statement failing on it for ever.
    struct Flags: OptionSet, Sendable, Equatable {
        let rawValue: UInt8
        /// A `\u0000` escape in a string or member name at or below this value: PostgreSQL's text
        /// and jsonb cannot hold U+0000.
        static let nul = Flags(rawValue: 1)
        /// A number at or below this value that PostgreSQL's `numeric`, and so a jsonb cast, refuses
        /// (`JSONParser.fitsNumeric`).
        static let beyondNumeric = Flags(rawValue: 2)
    }

    var kind: Kind
    /// For an object or array, the union of its members' (names included) and items' flags.
    /// (Declared beside `kind`, so both fit in the word before `range`: spans stay 24 bytes.)
    var flags: Flags
    /// The whole value's bytes; a string's without its quotes.
    var range: Range<Int>

    init(kind: Kind, range: Range<Int>, flags: Flags = []) {
        self.kind = kind
        self.flags = flags
        self.range = range
    }
}

/// One member of a scanned object.
struct JSONMember: Sendable {
    var key: JSONSpan
    var value: JSONSpan
}
