/// A scanned object over the bytes it was scanned from (valid only while they are): members are
/// found by name, and values made into Strings or numbers only when asked for.
struct ScannedObject {
    let bytes: UnsafeRawBufferPointer
    let members: [JSONMember]
    /// The members of the object member named when scanning, kept from the same pass.
    private let nested: (span: JSONSpan, members: [JSONMember])?

    /// Scans `bytes` as a document; nil when it is valid JSON but not an object. The members of
    /// its object member `nested` are kept from the same pass (see `object(_:)`).
    init?(_ bytes: UnsafeRawBufferPointer, nested name: StaticString? = nil) throws(JSONSyntaxError) {
        guard let scanned = try JSONParser.scanObject(bytes, nested: name) else { return nil }
        self.bytes = bytes
        members = scanned.members
        nested = scanned.nested
    }

    private init(bytes: UnsafeRawBufferPointer, members: [JSONMember]) {
        self.bytes = bytes
        self.members = members
        nested = nil
    }

    /// The value of the last member named `name` (a repeated key: the last wins, as in `JSONValue`).
    func value(_ name: StaticString) -> JSONSpan? { lookup(name).value }

    /// The value of the last member named `name`, and whether the name occurs more than once —
    /// found in the one walk over the members a lookup makes anyway.
    func lookup(_ name: StaticString) -> (value: JSONSpan?, repeated: Bool) {
        let count = name.utf8CodeUnitCount
        var found: JSONSpan?
        var repeated = false
        for member in members {
            // Most names differ in length: an unescaped key's bytes are its text.
            if case .string(escaped: false) = member.key.kind, member.key.range.count != count { continue }
            if textEquals(member.key, name) {
                if found != nil { repeated = true }
                found = member.value
            }
        }
        return (found, repeated)
    }

    /// Whether a string span's text is `text`.
    func textEquals(_ span: JSONSpan, _ text: StaticString) -> Bool { JSONParser.text(of: span, in: bytes, equals: text) }

    /// A string span's text as UTF-8: its own bytes, or decoded when it has escapes.
    func withText<T>(_ span: JSONSpan, _ body: (UnsafeRawBufferPointer) -> T) -> T { JSONParser.withText(of: span, in: bytes, body) }

    func string(_ span: JSONSpan) -> String { JSONParser.string(span, in: bytes) }

    func number(_ span: JSONSpan) -> (Double, integer: Int64?) { JSONParser.number(span, in: bytes) }

    /// A member that is itself an object (already checked): the members kept while scanning, or
    /// scanned in turn.
    func object(_ span: JSONSpan) -> ScannedObject {
        if let nested, nested.span == span { return ScannedObject(bytes: bytes, members: nested.members) }
        do {
            guard let object = try ScannedObject(UnsafeRawBufferPointer(rebasing: bytes[span.range])) else {
                preconditionFailure("an object span is not an object")
            }
            return object
        } catch {
            preconditionFailure("a checked object span no longer parses: \(error)")
        }
    }

    /// A member's value as a tree, for the rare field kept as JSON.
    func tree(_ span: JSONSpan) -> JSONValue {
        do {
            return try JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[span.range]))
        } catch {
            preconditionFailure("a checked span no longer parses: \(error)")
        }
    }
}
