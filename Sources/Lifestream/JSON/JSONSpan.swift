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

    var kind: Kind
    /// The whole value's bytes; a string's without its quotes.
    var range: Range<Int>
}

/// One member of a scanned object.
struct JSONMember: Sendable {
    var key: JSONSpan
    var value: JSONSpan
}
