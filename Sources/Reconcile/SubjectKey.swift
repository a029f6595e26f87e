/// A subject id compared by its UTF-8 bytes.
///
/// Swift's `String ==` treats canonically equivalent text as equal (`é` precomposed equals `e`
/// plus a combining accent), PostgreSQL does not; keying by bytes keeps two such subjects apart.
struct SubjectKey: Hashable, Sendable, Comparable {
    let bytes: [UInt8]
    init(bytes: [UInt8]) { self.bytes = bytes }
    init(_ text: String) { self.bytes = Array(text.utf8) }
    var text: String { String(decoding: bytes, as: UTF8.self) }
    static func < (lhs: SubjectKey, rhs: SubjectKey) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}

/// How many differing rows of each kind one subject has in one table.
struct RowKindCounts: Sendable, Equatable {
    var onlyLeft = 0
    var onlyRight = 0
    var changed = 0

    mutating func add(_ kind: DifferenceKind) {
        switch kind {
        case .onlyLeft: onlyLeft += 1
        case .onlyRight: onlyRight += 1
        case .changed: changed += 1
        }
    }

    func count(_ kind: DifferenceKind) -> Int {
        switch kind {
        case .onlyLeft: onlyLeft
        case .onlyRight: onlyRight
        case .changed: changed
        }
    }
}
