/// Hostile variants of valid record values, for fuzzing every path a record takes: random bytes,
/// truncated and byte-edited values, every JSON escape (NULs and lone surrogates among them) in
/// values and member names, extreme numbers, deep nesting, repeated member names, and
/// timestamps at and past the ends of the calendar.
///
/// Unlike `EventGenerator`'s invalid recipes, a hostile value may break several rules at once or
/// none: its verdict is left to an independent oracle. The same seed gives the same values.
public struct HostileRecords: Sendable {
    /// Which members a value's rules name, so mutations hit them as well as unknown ones.
    public struct Profile: Sendable {
        /// The top-level members the contract reads.
        public var fields: [String]
        /// A top-level member holding an object with rules of its own (`payload`), if any.
        public var nested: String?
        /// Members (at either level) the contract reads as numbers.
        public var numbers: [String]
        /// Members (at either level) the contract reads as RFC 3339 timestamps.
        public var timestamps: [String]

        public init(fields: [String], nested: String?, numbers: [String], timestamps: [String]) {
            self.fields = fields
            self.nested = nested
            self.numbers = numbers
            self.timestamps = timestamps
        }

        /// The lifestream envelope and payloads.
        public static let lifestream = Profile(
            fields: ["event_id", "event_type", "occurred_at", "subject_id", "subject", "source", "payload"], nested: "payload",
            numbers: ["http_status", "word_count", "celsius", "humidity"], timestamps: ["occurred_at", "due_at"])

        /// A text message of the embedding pipeline.
        public static let textMessage = Profile(fields: ["id", "text"], nested: nil, numbers: [], timestamps: [])
    }

    /// What a mutation did, for a failing test to say.
    public enum Kind: String, Sendable, CaseIterable {
        case randomBytes, truncated, byteEdits, hostileString, hostileName, extremeNumber, deepNesting
        case repeatedMember, extremeTimestamp, nulInText, topLevel
    }

    public let profile: Profile
    private var rng: EventGenerator.Random

    public init(profile: Profile, seed: UInt64) {
        self.profile = profile
        rng = EventGenerator.Random(seed, 0x4057_11E5)
    }

    /// A hostile variant of `value` (a valid JSON object), and how it was made.
    public mutating func mutate(_ value: [UInt8]) -> (value: [UInt8], kind: Kind) {
        let kind = Kind.allCases[rng.below(Kind.allCases.count)]
        guard kind != .randomBytes, kind != .truncated, kind != .byteEdits, kind != .topLevel,
              case .object(let members)? = try? JSONParser.parse(value)
        else { return (bytes(kind, value), kind) }
        var tree = Tree(members: members, nestedName: profile.nested)
        let fragment: [UInt8]
        switch kind {
        case .hostileString:
            fragment = rng.pick(Self.strings)
            tree.setValue(at: slot(&tree), to: fragment)
        case .hostileName:
            fragment = rng.pick(Self.names + Self.escapedNames)
            tree.rename(at: slot(&tree, existing: true), to: fragment)
        case .extremeNumber:
            fragment = Array(rng.pick(Self.numbers).utf8)
            tree.setValue(at: slot(&tree, preferring: profile.numbers), to: fragment)
        case .deepNesting:
            let depth = rng.pick([2, 60, 124, 125, 126, 127, 128, 129, 200])
            let open = rng.chance(0.5) ? "[" : #"{"d":"#, close = open == "[" ? "]" : "}"
            fragment = Array((String(repeating: open, count: depth) + "0" + String(repeating: close, count: depth)).utf8)
            tree.setValue(at: slot(&tree), to: fragment)
        case .repeatedMember:
            tree.repeatMember(at: slot(&tree, existing: true, preferring: profile.fields), rng: &rng)
            fragment = []
        case .extremeTimestamp:
            fragment = Array(("\"" + rng.pick(Self.timestamps) + "\"").utf8)
            tree.setValue(at: slot(&tree, preferring: profile.timestamps), to: fragment)
        case .nulInText:
            tree.insertNUL(at: slot(&tree, existing: true), rng: &rng)
            fragment = []
        case .randomBytes, .truncated, .byteEdits, .topLevel:
            preconditionFailure("handled above")
        }
        return (tree.render(), kind)
    }

    // MARK: Whole-value mutations

    private mutating func bytes(_ kind: Kind, _ value: [UInt8]) -> [UInt8] {
        switch kind {
        case .truncated:
            return Array(value.prefix(rng.below(max(1, value.count))))
        case .byteEdits:
            var edited = value
            for _ in 0...rng.below(3) where !edited.isEmpty {
                let at = rng.below(edited.count)
                let byte: UInt8 = rng.chance(0.5) ? rng.pick(Array(#"{}[]",:\0 -eE."#.utf8) + [0x00, 0x80, 0xC3, 0xFF]) : UInt8(truncatingIfNeeded: rng.next())
                switch rng.below(3) {
                case 0: edited[at] = byte
                case 1: edited.insert(byte, at: at)
                default: edited.remove(at: at)
                }
            }
            return edited
        case .topLevel:
            let shapes: [[UInt8]] = [
                Array("[]".utf8), Array("\"text\"".utf8), Array("1e400".utf8), Array("null".utf8), Array("true".utf8), Array("".utf8),
                Array(" \n\t".utf8), [0xEF, 0xBB, 0xBF] + value, Array("  ".utf8) + value + Array("\r\n".utf8), value + value,
                value + Array("x".utf8), Array("[".utf8) + value + Array("]".utf8), value + [0x00],
            ]
            return rng.pick(shapes)
        default:
            let count = rng.int(0...48)
            var bytes = rng.chance(0.3) ? [UInt8(ascii: "{")] : []
            while bytes.count < count { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            return bytes
        }
    }

    // MARK: Where a mutation lands

    /// A member position: top level or inside the nested object, an existing member or a new one.
    struct Slot {
        var nested: Bool
        /// Index of an existing member, or nil for a new member named `name`.
        var index: Int?
        var name: String
    }

    private mutating func slot(_ tree: inout Tree, existing: Bool = false, preferring names: [String] = []) -> Slot {
        let nested = tree.hasNested && rng.chance(0.5)
        let members = nested ? tree.nestedMembers : tree.members
        if !names.isEmpty, rng.chance(0.7) {
            let name = rng.pick(names)
            return Slot(nested: nested, index: members.lastIndex { $0.key == name }, name: name)
        }
        if (existing || rng.chance(0.6)), !members.isEmpty {
            let index = rng.below(members.count)
            return Slot(nested: nested, index: index, name: members[index].key)
        }
        return Slot(nested: nested, index: nil, name: rng.pick(["extra", "meta", "x", "note"]))
    }

    /// The value as an ordered member list (repeats allowed), rendered with one raw fragment.
    struct Tree {
        var members: [(key: String, value: JSONValue)]
        let nestedName: String?
        /// Where the raw fragment goes: a marker string no generated value contains.
        static let marker = "\u{F8FF}hostile\u{F8FF}"
        private var raw: [UInt8]?

        init(members: [(key: String, value: JSONValue)], nestedName: String?) {
            self.members = members
            self.nestedName = nestedName
        }

        var hasNested: Bool {
            guard case .object? = members.last(where: { $0.key == nestedName })?.value else { return false }
            return true
        }

        var nestedMembers: [(key: String, value: JSONValue)] {
            guard case .object(let inner)? = members.last(where: { $0.key == nestedName })?.value else { return [] }
            return inner
        }

        private mutating func edit(_ slot: Slot, _ body: (inout [(key: String, value: JSONValue)]) -> Void) {
            guard slot.nested else { return body(&members) }
            guard let at = members.lastIndex(where: { $0.key == nestedName }), case .object(var inner) = members[at].value else { return }
            body(&inner)
            members[at].value = .object(inner)
        }

        mutating func setValue(at slot: Slot, to fragment: [UInt8]) {
            raw = fragment
            edit(slot) { list in
                if let index = slot.index { list[index].value = .string(Self.marker) } else { list.append((slot.name, .string(Self.marker))) }
            }
        }

        /// `fragment` is a raw JSON string: it stands where the quoted marker does.
        mutating func rename(at slot: Slot, to fragment: [UInt8]) {
            raw = fragment
            edit(slot) { list in
                if let index = slot.index { list[index].key = Self.marker } else { list.append((Self.marker, .number(1, integer: 1))) }
            }
        }

        mutating func repeatMember(at slot: Slot, rng: inout EventGenerator.Random) {
            edit(slot) { list in
                guard let index = slot.index else { return }
                let member = list[index]
                let value: JSONValue = rng.pick([member.value, .null, .string("other"), .number(7, integer: 7)])
                list.insert((member.key, value), at: rng.chance(0.5) ? index + 1 : index)
            }
        }

        mutating func insertNUL(at slot: Slot, rng: inout EventGenerator.Random) {
            edit(slot) { list in
                guard let index = slot.index else { return }
                if case .string(let text) = list[index].value {
                    let at = rng.below(text.unicodeScalars.count + 1)
                    var scalars = Array(text.unicodeScalars)
                    scalars.insert("\u{0}", at: at)
                    var joined = String.UnicodeScalarView()
                    joined.append(contentsOf: scalars)
                    list[index].value = .string(String(joined))
                } else {
                    list[index].key += "\u{0}"
                }
            }
        }

        func render() -> [UInt8] {
            let text = Array(JSONValue.object(members).serialized.utf8)
            guard let raw else { return text }
            let quoted = Array(("\"" + Self.marker + "\"").utf8)
            guard let at = Self.firstRange(of: quoted, in: text) else { return text }
            return Array(text[..<at]) + raw + Array(text[(at + quoted.count)...])
        }

        private static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
            guard needle.count <= haystack.count else { return nil }
            for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
                if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
            }
            return nil
        }
    }

    // MARK: Material

    /// String values as raw JSON: every escape, NULs, lone and paired surrogates, invalid UTF-8.
    static let strings: [[UInt8]] = [
        #""a\u0000b""#, #""\u0000""#, #""\ud800""#, #""\udc00""#, #""x\udbff""#, #""\ud800\u0041""#, #""\ud83d\ude00""#,
        #""\uDBFF\uDFFF""#, #""\uffff""#, #""\ufffe""#, #""\u001f""#, #""\u007f""#, #""\b\f\n\r\t\/\\\"""#, #""\x""#,
        #""\u12G4""#, #""\u00e9t\u00E9""#, #""\U0041""#, #""""#, #""ok""#, #""2026-01-01T00:00:00Z""#,
        #""link""#, #""public""#, #""link.added""#,
    ].map { Array($0.utf8) } + [
        [0x22, 0xC3, 0x28, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0x01, 0x22],
        [0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xFF, 0x22], [0x22, 0x7F, 0x22], [0x22, 0x61, 0x09, 0x62, 0x22],
        Array(("\"" + String(repeating: "\u{E9}", count: 254) + "e\u{301}\"").utf8),  // 256 scalars in 255 graphemes
        longGrapheme,
    ]

    /// One grapheme of 1,500 combining marks from five blocks in a scrambled order (3.8 kB that
    /// barely compresses): one "character" to Swift, 1,501 to PostgreSQL, too big for an index entry.
    static let longGrapheme: [UInt8] = {
        let pool = [0x300...0x36F, 0x1AB0...0x1ABD, 0x1DC0...0x1DFF, 0x20D0...0x20F0, 0xFE20...0xFE2F].flatMap { $0 } as [UInt32]
        var text = "\"e"
        var rng = EventGenerator.Random(seed: 0x6A7E)
        for _ in 0..<1_500 { text.unicodeScalars.append(Unicode.Scalar(pool[rng.below(pool.count)])!) }
        return Array((text + "\"").utf8)
    }()

    /// Member names as raw JSON strings: NULs, escapes that spell a known name, lone surrogates.
    static let names: [[UInt8]] = [
        #""\u0000""#, #""event_id\u0000""#, #""\ud800""#, #""""#, #""p\u0061yload""#, #""\u0065vent_id""#,
        #""subject\u005fid""#, #""u\u0072l""#, #""word_count""#, #""celsius""#, #""t\u0065xt""#, #""\u0069d""#,
    ].map { Array($0.utf8) }

    /// Names spelled plainly (repeats of known members when the name is taken already).
    static let escapedNames: [[UInt8]] = ["event_id", "payload", "subject_id", "url", "title", "id", "text"]
        .map { Array(("\"" + $0 + "\"").utf8) }

    /// Numbers at the edges: int4, int64, double and PostgreSQL numeric limits, and forms.
    static let numbers: [String] = [
        "0", "-0", "1", "200", "200.0", "2e2", "12.5", "-1", "2147483647", "2147483648", "4294967301", "-2147483649",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "1e400", "-1e400", "1e-400", "1.7976931348623157e308", "1.8e308", "4.9e-324", "2.4e-324",
        "1e131071", "1e131072", "9.99e131071", "0.00001e131077", "1e-16383", "1e-16384", "0e-16384", "0.0e-16383",
        "0e1073741822", "0e1073741823", "1e-1073741823", "1E+00000000000000000002", "123456789012345678901234567890",
        "-90", "70", "70.0000000000000001", "-90.00000000000001", "100", "100.00000000000001", "1.0000000000000000001",
        "\"12\"", "true", "null", "[1]", "{}",
    ]

    /// Timestamps at and past the calendar's ends, with every offset form.
    static let timestamps: [String] = [
        "9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59-23:59", "9999-12-31T23:59:60Z", "9999-12-31T22:00:00-01:59",
        "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:01", "0001-01-01T23:58:00+23:59", "0000-12-31T23:59:00-00:01",
        "0000-12-31T00:01:00-23:59", "0000-01-01T00:00:00Z", "2016-12-31T23:59:60Z", "2016-12-31T23:59:60.999999999+14:00",
        "2026-02-29T00:00:00Z", "2024-02-29T12:00:00z", "2026-01-01t00:00:00.123456789-00:00", "2026-01-01T24:00:00Z",
        "2026-01-01T00:00:61Z", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00.Z", "10000-01-01T00:00:00Z",
        "-0001-01-01T00:00:00Z", "2026-01-01T00:00:00.0000000001Z", "2026-01-01T00:00:00",
    ]
}
