/// A scanned object over the bytes it was scanned from (valid only while they are): members are
/// found by name, and values made into Strings or numbers only when asked for.
struct ScannedObject {
    let bytes: UnsafeRawBufferPointer
    let members: [JSONMember]

    /// Scans `bytes` as a document; nil when it is valid JSON but not an object.
    init?(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) {
        guard let members = try JSONParser.scanObject(bytes) else { return nil }
        self.bytes = bytes
        self.members = members
    }

    /// The value of the last member named `name` (a repeated key: the last wins, as in `JSONValue`).
    func value(_ name: StaticString) -> JSONSpan? {
        var found: JSONSpan?
        for member in members where textEquals(member.key, name) { found = member.value }
        return found
    }

    /// Whether a string span's text is `text`.
    func textEquals(_ span: JSONSpan, _ text: StaticString) -> Bool {
        withText(span) { $0.count == text.utf8CodeUnitCount && $0.elementsEqual(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)) }
    }

    /// A string span's text as UTF-8: its own bytes, or decoded when it has escapes.
    func withText<T>(_ span: JSONSpan, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        guard span.kind == .string(escaped: true) else { return body(UnsafeRawBufferPointer(rebasing: bytes[span.range])) }
        var text = JSONParser.string(span, in: bytes)
        return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    func string(_ span: JSONSpan) -> String { JSONParser.string(span, in: bytes) }

    func number(_ span: JSONSpan) -> (Double, integer: Int64?) { JSONParser.number(span, in: bytes) }

    /// A member that is itself an object (already checked), scanned in turn.
    func object(_ span: JSONSpan) -> ScannedObject {
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
