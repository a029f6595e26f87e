/// The embedding pipeline's topic contract (spec/embeddings.md, "Topic"), stated on its own for
/// tests: which text-message values are valid, and which text each id ends with.
///
/// A value is valid when it is a JSON object (as `OracleJSONReader` reads it) with exactly one
/// `id` and at most one `text` member; `id` a string of 1…256 characters (Unicode scalars, as
/// PostgreSQL's char_length counts them) and `text` a non-empty string of at most
/// 32 KiB of UTF-8; neither holding U+0000, which PostgreSQL's text cannot store. Other members
/// are ignored. Of the valid records of an id, the one at the higher offset (then partition) wins.
public enum OracleTextMessages {
    /// The id and text of a valid value, nil for one the pipeline must quarantine.
    public static func validate(_ value: [UInt8]?) -> (id: String, text: String)? {
        guard let value, let document = OracleJSONReader.read(value), case .object = document else { return nil }
        let (idNode, ids) = document.member(named: "id")
        let (textNode, texts) = document.member(named: "text")
        guard ids <= 1, texts <= 1 else { return nil }
        guard case .string(let id)? = idNode, !id.holdsNUL, (1...256).contains(id.text.unicodeScalars.count) else { return nil }
        guard case .string(let text)? = textNode, !text.holdsNUL, !text.text.isEmpty, text.text.utf8.count <= 32 * 1024 else { return nil }
        return (id.text, text.text)
    }

    /// id → text of the rows a backfill over these records (partition, offset, value) leaves.
    public static func expectedRows(_ records: [(partition: Int32, offset: Int64, value: [UInt8]?)]) -> [String: String] {
        var winners: [String: (offset: Int64, partition: Int32, text: String)] = [:]
        for record in records {
            guard let (id, text) = validate(record.value) else { continue }
            if let current = winners[id], (current.offset, current.partition) > (record.offset, record.partition) { continue }
            winners[id] = (record.offset, record.partition, text)
        }
        return winners.mapValues(\.text)
    }
}
