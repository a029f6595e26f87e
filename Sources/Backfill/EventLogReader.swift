import Lifestream
import Postgres
import Store

/// Reads the event log in subject order for a materialize pass — binary COPY out of one
/// statement, rows decoded into events without a String per field — and feeds a `FoldBatcher`.
struct EventLogReader {
    let connection: PostgresConnection
    let state: StateSchema
    /// A bulk pass also reads each record's partition, offset and tuple id (to settle duplicates).
    let bulk: Bool

    var columns: String {
        bulk ? #"e.subject_id, e.event_id, e.event_type, e.occurred_at, e.source, e.payload, e.partition, e."offset", e.ctid"#
            : "e.subject_id, e.event_id, e.event_type, e.occurred_at, e.source, e.payload"
    }

    static let order = #"order by e.subject_id collate "C", e.occurred_at"#

    /// The whole log, or part `part` of `parts` by a hash of the subject.
    func everything(part: Int, of parts: Int) -> String {
        """
        select \(columns) from \(state.table("events")) e
        \(parts > 1 ? "where (hashtext(e.subject_id) & 2147483647) % \(parts) = \(part)" : "")
        \(Self.order)
        """
    }

    /// The dirty subjects' events but readings (sensor projections are kept at ingest).
    ///
    /// Two shapes of one query. Up to a sizeable share of the log (a follower's batch, a night's
    /// run), the dirty subjects are looked up through the log's partial index (`events_fold`) and
    /// their pages read once each in the table's order (a bitmap scan), so the read costs what the
    /// batch touches, not what the log holds. The subjects go in as an array, not a join: a join's
    /// shape is the planner's to choose, and the dirty set churns (filled and emptied each batch)
    /// so its statistics are often far off — a follower's batch of 400 subjects was once read by a
    /// scan of the whole log (170 ms, not 2 ms). Beyond that share, one hash join over the log.
    func dirtySubjects(indexed: Bool) -> String {
        indexed ? """
            select \(columns) from \(state.table("events")) e
            where e.subject_id = any (array(select subject_id from \(state.table("dirty_subjects"))))
              and e.event_type <> 'temp.reading_recorded'
            \(Self.order)
            """ : """
            select \(columns) from \(state.table("events")) e join \(state.table("dirty_subjects")) d using (subject_id)
            where e.event_type <> 'temp.reading_recorded' \(Self.order)
            """
    }

    /// How a dirty pass reads the dirty subjects' events: through the index or by one hash join
    /// (see `dirtySubjects(indexed:)`), and whether parallel workers may share the read.
    struct DirtyRead: Equatable {
        var indexed: Bool
        var parallel: Bool
    }

    /// Through the index when the dirty set is under `indexedShare` of the log's rows, as the
    /// planner's statistics estimate them: over 1M events the index read took 280 ms for a third
    /// of the subjects (a hash join 410 ms) and 800 ms for all of them (hash join 910 ms). The
    /// array is held by the server in one piece, so a set over `indexedAtMost` subjects (some
    /// 50–100 MB of ids) takes the hash join whatever the log's size. A set under `serialBelow`
    /// subjects is read without parallel workers: starting two costs a follower's 1,000-event
    /// batch more (5–10 ms) than its few hundred lookups take (about 2 ms).
    func dirtyRead(indexedShare: Double = 0.2, indexedAtMost: Int64 = 1_000_000, serialBelow: Int64 = 5_000) throws -> DirtyRead {
        let row = try connection.query("""
            select (select count(*) from \(state.table("dirty_subjects"))) as dirty,
                   (select greatest(reltuples, 0)::bigint from pg_catalog.pg_class where oid = $1::regclass) as logged
            """, [.text(state.table("events"))]).single("the dirty set's size")
        let dirty: Int64 = try row.decode("dirty"), logged: Int64 = try row.decode("logged")
        // A log never analyzed has no estimate (0): use the index for a set that is small in any log.
        let small = logged > 0 ? Double(dirty) < indexedShare * Double(logged) : dirty < Self.indexedWithoutEstimate
        return DirtyRead(indexed: small && dirty <= indexedAtMost, parallel: dirty >= serialBelow)
    }

    /// Dirty subjects read through the index when the log's size is not estimated yet.
    static let indexedWithoutEstimate: Int64 = 20_000

    /// The events of the one subject `setUp` stages in `pg_temp.large_subject`.
    var stagedSubject: String {
        "select \(columns) from \(state.table("events")) e join pg_temp.large_subject using (subject_id) \(Self.order)"
    }

    /// Folds the rows `query` returns, in subject order, into `batcher`, handing each batch that
    /// fills up to `handOver`. `setUp` runs first in the reading transaction.
    func consume(_ query: String, into batcher: inout FoldBatcher, setUp: (PostgresConnection) throws -> Void = { _ in },
                 handOver: (WriteJob) throws -> Void) throws {
        let fieldCount = bulk ? 9 : 6
        var copyData = CopyBinaryReader(fieldCount: fieldCount, source: "the event log")
        var rows = CopyRows(fieldCount: fieldCount, reservingBytes: 1 << 20)
        var subjectID = ""
        var subjectBytes: [UInt8]?
        // The sort by subject runs in memory rather than through temporary files; SET LOCAL keeps
        // the setting to this transaction (a transaction-mode pooler may hand the session on).
        try connection.transaction { reader in
            try reader.execute("set local work_mem = '256MB'")
            try setUp(reader)
            // Binary: the server prints no timestamps, the client unescapes nothing.
            try reader.copyOut("copy (\(query)) to stdout (format binary)") { chunk in
                try copyData.consume(chunk, into: &rows)
                for row in 0..<rows.count {
                    // A subject's id is made into a String once, not once per event.
                    if subjectBytes.map({ !rows.field(row, 0, equals: $0) }) ?? true {
                        subjectID = rows.string(row, 0) ?? ""
                        subjectBytes = rows.bytes(row, 0) ?? []
                        if let full = batcher.begin(subject: subjectID) { try handOver(full) }
                    }
                    if batcher.isSkippingSubject { continue }
                    batcher.add(try Self.event(rows, row, subjectID: subjectID), payloadBytes: rows.span(row, 5).length,
                                origin: bulk ? try Self.position(rows, row) : nil)
                }
                rows.removeAll()
            }
        }
        try copyData.finish()
        if let full = batcher.endOfInput() { try handOver(full) }
    }

    /// The event in row `row` of the log's binary COPY: subject, event id, type, occurred_at, source, payload.
    static func event(_ rows: CopyRows, _ row: Int, subjectID: String) throws -> Event {
        guard let eventID = rows.string(row, 1), let type = rows.withField(row, 2, { EventType(utf8: $0) }) ?? nil,
              let micros = rows.timestampMicroseconds(row, 3)
        else {
            let fields = (0..<3).compactMap { rows.string(row, $0) }.joined(separator: ", ")
            throw BackfillError(.materialize, "the event log holds a row this version cannot read (\(fields))")
        }
        switch rows.withField(row, 5, { EventDecoder.decodePayload(type: type, bytes: $0) }) {
        case .success(let payload)?:
            return Event(eventID: eventID, type: type, occurredAt: Timestamp(microseconds: micros), subjectID: subjectID,
                         source: rows.string(row, 4), payload: payload)
        case .failure(let reason)?:
            // Only a log written by an earlier version, whose rules let this event in, can hold it.
            throw BackfillError(.materialize, "event \(eventID) of subject \(subjectID) in the log no longer validates (\(reason)): "
                                + "an earlier version logged it; rebuild into a fresh target with --from-beginning")
        case nil:
            throw BackfillError(.materialize, "event \(eventID) of subject \(subjectID) in the log has no payload")
        }
    }

    /// Where the record in row `row` of a bulk read lies in the log.
    static func position(_ rows: CopyRows, _ row: Int) throws -> LogPosition {
        guard let partition = rows.bigEndianInt32(row, 6), let offset = rows.bigEndianInt64(row, 7),
              let tid = rows.tidText(row, 8)
        else { throw BackfillError(.materialize, "the event log holds a row without its partition and offset") }
        return LogPosition(partition: Int64(partition), offset: offset, tid: tid)
    }
}
