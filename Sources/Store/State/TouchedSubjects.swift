import Lifestream
import Postgres

/// The subjects whose rows can have changed since a checkpoint, read from a state schema: every
/// subject with a record at or after the checkpoint's offset in its partition (a partition the
/// checkpoint does not name counts from offset 0).
///
/// The live job writes a subject's rows for every record of it, so "a record" means each of:
/// - a first arrival (`events`), pending ones included (their creating event may come later);
/// - a later record of a logged event (`duplicates`), with the same payload or another: the live
///   job applies it again, and an older duplicate arriving late overwrites newer values;
/// - a record the tool quarantined (`<target>.quarantine`), which the live job may have applied in
///   part: its subject is the value's `subject_id` when the value is a JSON object with a string
///   there, else the record key read as UTF-8 (producers key records by subject). A value over
///   the contract's size limit (quarantined `oversized`, never parsed) is not read either: its key
///   names its subject. A quarantined record with neither names no subject; the live job could
///   not have written a row from it (it upserts by `subject_id`), and only a full diff would see
///   what it did.
///
/// Found by index ranges per partition (`events_position`, the duplicates' and the quarantine's
/// keys), so the cost follows the records after the checkpoint, not the log. (`OFFSET 0` keeps
/// each range a lookup of its own: flattened, the planner misjudges the ranges' size and scans
/// the whole log.)
public struct TouchedSubjects: Sendable, Equatable {
    /// Unique, in the byte order of their UTF-8 (the diff's key order).
    public var subjects: [String]
    /// Records at or after the checkpoint: events + duplicates + quarantined.
    public var records: Int64
    /// Of those, quarantined records with no subject to attribute them to.
    public var quarantinedWithoutSubject: Int64

    public init(subjects: [String], records: Int64, quarantinedWithoutSubject: Int64 = 0) {
        self.subjects = subjects
        self.records = records
        self.quarantinedWithoutSubject = quarantinedWithoutSubject
    }

    /// The subjects with records at or after `checkpoint` in `state` (and its target's quarantine).
    /// A checkpoint of another topic than the state's is refused: its offsets would mean nothing here.
    public static func since(_ checkpoint: Checkpoint, state: StateSchema, db: PostgresConnection) throws -> TouchedSubjects {
        guard let binding = try db.query("select target_schema, topic from \(state.table("binding"))").first else {
            return TouchedSubjects(subjects: [], records: 0)  // nothing was ever run into this state
        }
        let target = TargetSchema(name: try binding.decode("target_schema"))
        let topic: String = try binding.decode("topic")
        if let other = checkpoint.topic, other != topic {
            throw StoreError(.manifest, "the checkpoint \(checkpoint.source) is for topic \(other), but state schema \(state.name) holds topic \(topic)")
        }
        // Every partition a run has read, and any the checkpoint names: each from its end (or 0).
        var starts: [Int32: Int64] = [:]
        let read = try db.query("""
            select distinct (r ->> 'partition')::integer as partition
            from \(state.table("runs")), jsonb_array_elements(plan -> 'ranges') r
            """)
        for row in read { starts[try row.decode("partition", as: Int32.self)] = 0 }
        for (partition, end) in checkpoint.ends { starts[partition] = end }
        let partitions = starts.keys.sorted()
        let parameters: [PostgresValue] = [.array(partitions.map(Int64.init)), .array(partitions.map { starts[$0]! })]

        // Keyed by bytes: Swift's String equality would merge canonically equivalent ids that
        // PostgreSQL keeps apart (`é` precomposed and `e` + combining accent).
        var counts: [[UInt8]: Int64] = [:]
        for row in try db.query("""
            with cp(p, e) as (select * from unnest($1::integer[], $2::bigint[]))
            select subject_id, count(*) as records from (
                select x.subject_id from cp cross join lateral (
                    select subject_id from \(state.table("events")) where partition = cp.p and "offset" >= cp.e offset 0) x
                union all
                select y.subject_id from cp cross join lateral (
                    select subject_id from \(state.table("duplicates")) where partition = cp.p and "offset" >= cp.e offset 0) y
            ) touched group by subject_id
            """, parameters) {
            counts[Array(try row.decode("subject_id", as: String.self).utf8), default: 0] += try row.decode("records", as: Int64.self)
        }
        var records = counts.values.reduce(0, +)
        var unattributed: Int64 = 0
        let quarantine = try db.query("""
            select exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                           where n.nspname = $1 and c.relname = 'quarantine')
            """, [.text(target.name)]).scalar == "t"
        if quarantine {
            for row in try db.query("""
                with cp(p, e) as (select * from unnest($1::integer[], $2::bigint[]))
                select encode(q.key, 'hex') as key, case when octet_length(q.value) <= $4 then encode(q.value, 'hex') end as value
                from cp cross join lateral (
                    select key, value from \(target.table("quarantine")) where topic = $3 and partition = cp.p and "offset" >= cp.e offset 0) q
                """, parameters + [.text(topic), .init(EventDecoder.maximumValueSize)]) {
                records += 1
                guard let subject = attributedSubject(key: Hex.decode(row["key"]), value: Hex.decode(row["value"])) else {
                    unattributed += 1
                    continue
                }
                counts[Array(subject.utf8), default: 0] += 1
            }
        }
        return TouchedSubjects(subjects: sortedByBytes(counts.keys), records: records, quarantinedWithoutSubject: unattributed)
    }

    /// The subject a quarantined record may have written rows of: the value's `subject_id` when
    /// the value is a JSON object with a string there, else the key as UTF-8; nil when neither
    /// gives a subject id a table could hold (non-empty, valid UTF-8, no NUL).
    public static func attributedSubject(key: [UInt8]?, value: [UInt8]?) -> String? {
        func usable(_ text: String) -> String? { text.isEmpty || text.utf8.contains(0) ? nil : text }
        if let value, case .string(let subject)? = (try? JSONParser.parse(value))?["subject_id"], let subject = usable(subject) {
            return subject
        }
        guard let key, let text = String(validating: key, as: UTF8.self) else { return nil }
        return usable(text)
    }

    /// Strings in the byte order of their UTF-8, without repeats (repeats by bytes: Swift's `==`
    /// would also merge canonically equivalent ones, which PostgreSQL keeps apart).
    public static func sortedByBytes<S: Sequence<String>>(_ strings: S) -> [String] {
        sortedByBytes(strings.map { Array($0.utf8) })
    }

    static func sortedByBytes<S: Sequence<[UInt8]>>(_ strings: S) -> [String] {
        var sorted = Array(Set(strings))
        sorted.sort { $0.lexicographicallyPrecedes($1) }
        return sorted.map { String(decoding: $0, as: UTF8.self) }
    }
}

/// `encode(bytea, 'hex')` text back to bytes.
enum Hex {
    static func decode(_ text: String?) -> [UInt8]? {
        guard let text else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count / 2)
        var high: UInt8?
        for character in text.utf8 {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character - UInt8(ascii: "A") + 10
            default: continue
            }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}
