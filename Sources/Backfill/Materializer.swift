import Foundation
import Lifestream
import Pipeline
import Postgres

/// What a materialize pass did; rows written per table are committed to `run_rows` with each batch.
public struct MaterializeCounts: Sendable, Equatable {
    public var subjects: Int64 = 0
    public var pendingEvents: Int64 = 0
    public init() {}
}

/// Refolds every dirty subject from the event log and writes its rows, in batches of
/// subjects in subject order (a fixed order, so concurrent writers cannot deadlock).
///
/// Each batch commits its rows together with the removal of its subjects from the dirty
/// set: a crash leaves the remaining subjects dirty and the next run finishes them.
/// Into empty tables rows are copied straight in; otherwise they are staged and merged
/// (rows that did not change are not touched, rows that should no longer exist are deleted).
/// Folding (on the calling thread, reading the log) and writing (on a writer thread, with the
/// writer connection) overlap, with at most two folded batches waiting between them.
public final class Materializer {
    let reader: PostgresConnection
    let writer: PostgresConnection
    let state: StateSchema
    let target: TargetSchema
    let runID: String
    public var batchSubjects = 5_000
    /// A batch also ends once its subjects' events carried this many payload bytes, so a few
    /// subjects with very large texts cannot make a batch (and the up to four batches between
    /// folding and writing) large.
    public var batchPayloadBytes = 8 << 20
    /// Called on the writer thread after each committed batch.
    public var onProgress: (@Sendable (MaterializeCounts) -> Void)?

    public init(reader: PostgresConnection, writer: PostgresConnection, state: StateSchema, target: TargetSchema, runID: String) {
        self.runID = runID
        self.reader = reader
        self.writer = writer
        self.state = state
        self.target = target
    }

    public func run() throws -> MaterializeCounts {
        let queue = BlockingQueue<WriteJob>(capacity: 2)
        let side = WriterSide(self, directCopy: try targetIsEmpty())
        let joined = DispatchSemaphore(value: 0)
        Thread { side.drain(queue); joined.signal() }.start()
        do {
            try fold { job in try queue.push(job) }
            queue.finish()
        } catch {
            queue.finish(throwing: error)
            joined.wait()
            if error is BlockingQueue<WriteJob>.Cancelled, let failure = side.failure { throw failure }
            throw error
        }
        joined.wait()
        if let failure = side.failure { throw failure }
        return side.counts
    }

    /// One batch of folded subjects on its way to the writer.
    struct WriteJob: Sendable {
        var rows: [SubjectRows]
        var ids: [String]
        var pending: Int64
    }

    /// The writer thread's side of a pass. The writer connection is used by that thread alone
    /// while it runs, and by the caller again only after joining it (hence `@unchecked`).
    private final class WriterSide: @unchecked Sendable {
        let materializer: Materializer
        var directCopy: Bool
        var counts = MaterializeCounts()
        var failure: (any Error)?

        init(_ materializer: Materializer, directCopy: Bool) {
            self.materializer = materializer
            self.directCopy = directCopy
        }

        func drain(_ queue: BlockingQueue<WriteJob>) {
            do {
                while let job = try queue.pop() {
                    do {
                        try materializer.write(job.rows, ids: job.ids, pending: job.pending, direct: directCopy)
                    } catch let error as PostgresError where directCopy && error.sqlState == "23505" {
                        directCopy = false  // someone else's rows are there after all: merge instead
                        try materializer.write(job.rows, ids: job.ids, pending: job.pending, direct: false)
                    }
                    counts.subjects += Int64(job.ids.count)
                    counts.pendingEvents += job.pending
                    materializer.onProgress?(counts)
                }
            } catch {
                failure = error
                queue.cancel()  // the folding side stops at its next hand-over
            }
        }
    }

    /// Reads the dirty subjects' events in subject order and folds them, handing over batches.
    private func fold(_ handOver: (WriteJob) throws -> Void) throws {
        var batch: [SubjectRows] = []
        var batchPending: Int64 = 0
        var batchIDs: [String] = []
        var batchBytes = 0
        var current: [Event] = []
        var currentID: String?
        var copyText = CopyTextReader(fieldCount: 6, source: "the event log")
        var rows = CopyRows(fieldCount: 6, reservingBytes: 1 << 20)

        func flush() throws {
            guard !batchIDs.isEmpty else { return }
            try handOver(WriteJob(rows: batch, ids: batchIDs, pending: batchPending))
            batchPending = 0
            batchBytes = 0
            batch.removeAll(keepingCapacity: true)
            batchIDs.removeAll(keepingCapacity: true)
        }
        func finishSubject() throws {
            guard let id = currentID else { return }
            current.sort(by: Event.eventOrder)
            let rows = SubjectFold.fold(sorted: current)
            batchPending += Int64(rows.pendingEvents)
            batch.append(rows)
            batchIDs.append(id)
            current.removeAll(keepingCapacity: true)
            if batchIDs.count >= batchSubjects || batchBytes >= batchPayloadBytes { try flush() }
        }

        // The sort by subject runs in memory rather than through temporary files; SET LOCAL keeps
        // the setting to this transaction (a transaction-mode pooler may hand the session on).
        try reader.transaction { reader in
        try reader.execute("set local work_mem = '256MB'")
        try reader.copyOut("""
            copy (select e.subject_id, e.event_id, e.event_type, (extract(epoch from e.occurred_at) * 1000000)::int8, e.source, e.payload
                  from \(state.table("events")) e join \(state.table("dirty_subjects")) d using (subject_id)
                  where e.event_type <> 'temp.reading_recorded'
                  order by e.subject_id) to stdout
            """) { chunk in
            try copyText.consume(chunk, into: &rows)
            for row in 0..<rows.count {
                let event = try Self.event(from: (0..<6).map { rows.string(row, $0) })
                batchBytes += rows.span(row, 5).length
                if event.subjectID != currentID {
                    try finishSubject()
                    currentID = event.subjectID
                }
                current.append(event)
            }
            rows.removeAll()
        }
        }
        try copyText.finish()
        try finishSubject()
        try flush()
    }

    static func event(from fields: [String?]) throws -> Event {
        guard fields.count == 6, let subjectID = fields[0], let eventID = fields[1], let typeName = fields[2],
              let type = EventType(rawValue: typeName), let micros = fields[3].flatMap({ Int64($0) }), let payloadText = fields[5]
        else { throw BackfillError(.materialize, "the event log holds a row this version cannot read (\(fields.prefix(3).compactMap { $0 }.joined(separator: ", ")))") }
        var text = payloadText
        let payload = text.withUTF8 { EventDecoder.decodePayload(type: type, bytes: UnsafeRawBufferPointer($0)) }
        switch payload {
        case .success(let payload):
            return Event(eventID: eventID, type: type, occurredAt: Timestamp(microseconds: micros), subjectID: subjectID,
                         source: fields[4], payload: payload)
        case .failure(let reason):
            throw BackfillError(.materialize, "event \(eventID) of subject \(subjectID) in the log no longer validates (\(reason))")
        }
    }

    private func targetIsEmpty() throws -> Bool {
        let checks = RowEncoding.refoldedTables.map { t in
            t.name == "subjects"
                ? "not exists (select 1 from \(target.table(t.name)) where subject <> 'sensor')"
                : "not exists (select 1 from \(target.table(t.name)))"
        }
        return try writer.query("select " + checks.joined(separator: " and "))[0, 0] == "t"
    }

    private func copyRows(_ batch: [SubjectRows], table: TableDefinition, into qualified: String, db: PostgresConnection) throws -> Int64 {
        guard batch.contains(where: { Self.has($0, table.name) }) else { return 0 }
        let columns = table.columnNames.map(SQL.quoteIdentifier).joined(separator: ", ")
        return Int64(try db.copyIn("copy \(qualified) (\(columns)) from stdin") { w in
            for rows in batch { _ = RowEncoding.write(rows, table: table.name, to: &w) }
        })
    }

    private static func has(_ rows: SubjectRows, _ table: String) -> Bool {
        switch table {
        case "subjects": rows.subject != nil
        case "links": rows.link != nil
        case "link_content": rows.linkContent != nil
        case "link_metadata": rows.linkMetadata != nil
        case "publish_state": rows.publishState != nil
        case "todos": rows.todo != nil
        case "annotations": rows.annotation != nil
        default: false
        }
    }

    private func stageSubjects(_ ids: [String], db: PostgresConnection) throws {
        try db.execute("create temp table batch_subjects (subject_id text primary key) on commit drop")
        try db.copyIn("copy pg_temp.batch_subjects from stdin") { w in
            for id in ids { w.field(id); w.endRow() }
        }
    }

    private func clearDirty(db: PostgresConnection) throws {
        try db.query("delete from \(state.table("dirty_subjects")) d using pg_temp.batch_subjects b where d.subject_id = b.subject_id")
    }

    /// One batch in one transaction: rows, dirty-set removal and the run's counters.
    fileprivate func write(_ batch: [SubjectRows], ids: [String], pending: Int64, direct: Bool) throws {
        try writer.transaction { db in
            try db.execute("set local synchronous_commit = off")
            var written: [String: Int64] = [:]
            try stageSubjects(ids, db: db)
            for table in RowEncoding.refoldedTables {
                if direct {
                    written[table.name] = try copyRows(batch, table: table, into: target.table(table.name), db: db)
                    continue
                }
                let stage = "pg_temp.\(SQL.quoteIdentifier("stage_" + table.name))"
                let live = target.table(table.name)
                try db.execute("create temp table \(SQL.quoteIdentifier("stage_" + table.name)) (like \(live)) on commit drop")
                _ = try copyRows(batch, table: table, into: stage, db: db)
                let subjectsFilter = table.name == "subjects" ? " and t.subject <> 'sensor'" : ""
                let deleted = try db.query("""
                    delete from \(live) t using pg_temp.batch_subjects b
                    where t.subject_id = b.subject_id\(subjectsFilter)
                      and not exists (select 1 from \(stage) s where s.subject_id = t.subject_id)
                    """).affectedRows
                let columns = table.columnNames.map(SQL.quoteIdentifier)
                let updates = table.nonKeyColumns.map { "\(SQL.quoteIdentifier($0.name)) = excluded.\(SQL.quoteIdentifier($0.name))" }
                let old = table.nonKeyColumns.map { "t.\(SQL.quoteIdentifier($0.name))" }.joined(separator: ", ")
                let new = table.nonKeyColumns.map { "excluded.\(SQL.quoteIdentifier($0.name))" }.joined(separator: ", ")
                let upserted = try db.query("""
                    insert into \(live) as t (\(columns.joined(separator: ", "))) select \(columns.joined(separator: ", ")) from \(stage)
                    on conflict (\(table.primaryKey.map(SQL.quoteIdentifier).joined(separator: ", "))) do update set \(updates.joined(separator: ", "))
                    where (\(old)) is distinct from (\(new))
                    """).affectedRows
                written[table.name] = Int64(deleted + upserted)
            }
            try clearDirty(db: db)
            try state.addRows(written, run: runID, db: db)
            try db.query("update \(state.table("runs")) set pending = pending + $2, subjects_refolded = subjects_refolded + $3 where run_id = $1",
                         [.text(runID), .init(pending), .init(Int64(ids.count))])
        }
    }
}
