import Foundation
import Lifestream
import Pipeline
import Postgres
import Store

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
/// Folding (on the calling thread, reading the log) and writing (on a writer thread per writer
/// connection, see `extraWriters`) overlap, with at most two folded batches waiting between them.
///
/// A bulk pass (`Scope.bulk`, see `BulkLoad`) folds the whole keyless log instead — sensors
/// included, duplicates settled as each subject's events come by — and writes every table in
/// one transaction that ends by settling the log (duplicates recorded and removed, key built).
public final class Materializer {
    /// Which subjects a pass folds.
    public enum Scope: Sendable {
        /// The dirty set, from a keyed log; sensor projections are kept at ingest.
        case dirty
        /// Every subject of a bulk-loaded, keyless log, into empty tables.
        case bulk
    }

    let reader: PostgresConnection
    let writer: PostgresConnection
    let state: StateSchema
    let target: TargetSchema
    let runID: String
    let scope: Scope
    public var batchSubjects = 5_000
    /// A batch also ends once its subjects' events carried this many payload bytes, so a few
    /// subjects with very large texts cannot make a batch (and the up to four batches between
    /// folding and writing) large.
    public var batchPayloadBytes = 8 << 20
    /// And after this many events: a bulk pass folds sensors too, whose many small readings
    /// weigh more as rows than as payload bytes.
    public var batchEvents = 10_000
    /// A bulk pass holds one subject's events at a time; a subject with more is folded on its
    /// own after the pass (a sensor streamed), so a chatty sensor over a long window need not fit.
    public var largeSubjectEvents = 100_000
    /// A bulk pass reads and folds the log in parts, one per reader (this one and these, each
    /// on a thread of its own with a share of the subjects by hash): the server sorts the parts
    /// side by side instead of one large sort before the first row arrives.
    public var extraReaders: [PostgresConnection] = []
    /// A dirty pass also writes with these (each on a thread of its own, taking the next folded
    /// batch when free): batches are disjoint sets of subjects, each committed on its own, and
    /// the merge statements of one batch leave a core idle.
    public var extraWriters: [PostgresConnection] = []
    /// Called on a writer thread after each committed batch.
    public var onProgress: (@Sendable (MaterializeCounts) -> Void)?

    public init(reader: PostgresConnection, writer: PostgresConnection, state: StateSchema, target: TargetSchema, runID: String,
                scope: Scope = .dirty) {
        self.runID = runID
        self.scope = scope
        self.reader = reader
        self.writer = writer
        self.state = state
        self.target = target
    }

    public func run() throws -> MaterializeCounts {
        guard scope == .bulk else { return try pass(directCopy: try targetIsEmpty()) }
        do {
            return try pass(directCopy: true)
        } catch is DirectCopyConflict {
            // Rows appeared in the target since the run began (a live writer): the whole bulk
            // transaction rolled back, so merge every batch instead.
            return try pass(directCopy: false)
        }
    }

    /// A bulk pass's direct COPY met a row already in the target.
    struct DirectCopyConflict: Error {}

    private func pass(directCopy: Bool) throws -> MaterializeCounts {
        let queue = BlockingQueue<WriteJob>(capacity: 2)
        let connections = scope == .dirty ? [writer] + extraWriters : [writer]
        let progress = WrittenProgress(onProgress)
        let sides = connections.map { WriterSide(self, connection: $0, directCopy: directCopy, progress: progress) }
        let joined = DispatchSemaphore(value: 0)
        for side in sides { Thread { side.drain(queue); joined.signal() }.start() }
        func joinAll() { for _ in sides { joined.wait() } }
        do {
            let parts = scope == .bulk ? 1 + extraReaders.count : 1
            if parts == 1 {
                try fold(reader: reader, part: 0, of: 1) { job in try queue.push(job) }
            } else {
                let unchecked = UncheckedMaterializer(self)
                _ = try PartWorkers.run(count: parts, name: "backfill-fold") { workers in
                    try fold(reader: reader, part: 0, of: parts) { job in
                        if workers.shouldStop { throw PartWorkers.Stopped() }
                        try queue.push(job)
                    }
                } other: { part, workers in
                    let m = unchecked.materializer
                    try m.fold(reader: m.extraReaders[part - 1], part: part, of: parts) { job in
                        if workers.shouldStop { throw PartWorkers.Stopped() }
                        try queue.push(job)
                    }
                }
            }
            queue.finish()
        } catch {
            queue.finish(throwing: error)
            joinAll()
            if error is BlockingQueue<WriteJob>.Cancelled, let failure = Self.firstFailure(of: sides) { throw failure }
            throw error
        }
        joinAll()
        if let failure = Self.firstFailure(of: sides) { throw failure }
        return progress.counts
    }

    /// The error a writer met, rather than the cancellation the others saw because of it.
    private static func firstFailure(of sides: [WriterSide]) -> (any Error)? {
        let failures = sides.compactMap(\.failure)
        return failures.first { !($0 is BlockingQueue<WriteJob>.Cancelled) } ?? failures.first
    }

    /// What the writer threads committed so far, summed: each reports from its own thread.
    private final class WrittenProgress: @unchecked Sendable {
        private let lock = NSLock()
        private var total = MaterializeCounts()
        private let onProgress: (@Sendable (MaterializeCounts) -> Void)?

        init(_ onProgress: (@Sendable (MaterializeCounts) -> Void)?) { self.onProgress = onProgress }

        var counts: MaterializeCounts { lock.withLock { total } }

        /// Reported under the lock, so the totals a progress display sees only grow.
        func add(subjects: Int, pending: Int64) {
            lock.withLock {
                total.subjects += Int64(subjects)
                total.pendingEvents += pending
                onProgress?(total)
            }
        }
    }

    /// One batch of folded subjects on its way to the writer.
    struct WriteJob: Sendable {
        var rows: [SubjectRows]
        var ids: [String]
        var pending: Int64
        /// Bulk: reading events among the batch's events (what `temperature_readings` counts).
        var readingEvents: Int64 = 0
        /// Bulk: (duplicate record, its event) as tuple ids in the log.
        var duplicates: [(loser: String, winner: String)] = []
        /// The rows as binary COPY data per table, encoded on the folding thread so the writer
        /// only streams them: its connection's backend then waits less between statements.
        var encoded: [String: EncodedTable] = [:]
    }

    /// One table's rows of a batch as binary COPY data (header and trailer included).
    struct EncodedTable: Sendable {
        var bytes: [UInt8]
        var rows: Int
    }

    /// Encodes a batch's rows for each of `tables` (the tables without rows left out). A value its
    /// column cannot hold is an error here, never a placeholder stored in its place (validation
    /// keeps such values out; this is the second line).
    static func encode(_ batch: [SubjectRows], tables: [TableDefinition]) throws -> [String: EncodedTable] {
        var encoded: [String: EncodedTable] = [:]
        for table in tables {
            var w = CopyInWriter.buffering()
            w.binaryHeader()
            var rows = 0
            for subject in batch { rows += RowEncoding.write(subject, table: table.name, to: &w) }
            guard rows > 0 else { continue }
            w.binaryTrailer()
            encoded[table.name] = EncodedTable(bytes: try w.takeBytes(), rows: rows)
        }
        return encoded
    }

    /// The writer thread's side of a pass. The writer connection is used by that thread alone
    /// while it runs, and by the caller again only after joining it (hence `@unchecked`).
    private final class WriterSide: @unchecked Sendable {
        let materializer: Materializer
        let connection: PostgresConnection
        var directCopy: Bool
        let progress: WrittenProgress
        var failure: (any Error)?

        init(_ materializer: Materializer, connection: PostgresConnection, directCopy: Bool, progress: WrittenProgress) {
            self.materializer = materializer
            self.connection = connection
            self.directCopy = directCopy
            self.progress = progress
        }

        func drain(_ queue: BlockingQueue<WriteJob>) {
            if materializer.scope == .bulk { return drainBulk(queue) }
            do {
                while let job = try queue.pop() {
                    do {
                        try materializer.write(job.encoded, ids: job.ids, pending: job.pending, direct: directCopy, on: connection)
                    } catch let error as PostgresError where directCopy && error.sqlState == "23505" {
                        directCopy = false  // someone else's rows are there after all: merge instead
                        try materializer.write(job.encoded, ids: job.ids, pending: job.pending, direct: false, on: connection)
                    }
                    progress.add(subjects: job.ids.count, pending: job.pending)
                }
            } catch {
                failure = error
                queue.cancel()  // the folding side stops at its next hand-over
            }
        }

        /// Every batch in one transaction, which then settles the log: all of it or nothing.
        func drainBulk(_ queue: BlockingQueue<WriteJob>) {
            let m = materializer
            do {
                try connection.transaction { db in
                    try db.execute("create temp table bulk_duplicates (loser tid not null, winner tid not null) on commit drop")
                    var written: [String: Int64] = [:]
                    while let job = try queue.pop() {
                        do {
                            for (table, rows) in try m.writeBulk(job, direct: directCopy, db: db) { written[table, default: 0] += rows }
                        } catch let error as PostgresError where directCopy && error.sqlState == "23505" {
                            throw DirectCopyConflict()
                        }
                        progress.add(subjects: job.ids.count, pending: job.pending)
                    }
                    try db.execute("analyze pg_temp.bulk_duplicates")
                    try BulkLoad(state: m.state, target: m.target).settle(runID: m.runID, db: db)
                    let ledger = RunLedger(state: m.state)
                    try ledger.addRows(written, run: m.runID, db: db)
                    try ledger.addMaterialized(m.runID, pending: progress.counts.pendingEvents, subjects: progress.counts.subjects, db: db)
                }
            } catch {
                failure = error
                queue.cancel()
            }
        }
    }

    /// The materializer as the fold threads of a bulk pass share it: each reads its own
    /// connection and only reads the settings, and the writer side is on its own thread.
    private struct UncheckedMaterializer: @unchecked Sendable {
        let materializer: Materializer
        init(_ materializer: Materializer) { self.materializer = materializer }
    }

    /// Reads the subjects' events (of part `part` of `parts`, by a hash of the subject) in subject
    /// order and folds them, handing over batches.
    private func fold(reader: PostgresConnection, part: Int, of parts: Int, _ pass: (WriteJob) throws -> Void) throws {
        let bulk = scope == .bulk
        let tables = bulk ? LifestreamTables.all : RowEncoding.refoldedTables
        func handOver(_ job: WriteJob) throws {
            var job = job
            job.encoded = try Self.encode(job.rows, tables: tables)
            try pass(job)
        }
        var job = WriteJob(rows: [], ids: [], pending: 0)
        var batchBytes = 0
        var batchEventCount = 0
        var current: [Event] = []
        /// Bulk: where each of `current` lies in the log, to settle duplicates.
        var origins: [LogPosition] = []
        var currentID: String?
        var currentBytes: [UInt8] = []
        /// Bulk: subjects with more events than `largeSubjectEvents`, folded after the pass.
        var large: [String] = []
        var skippingCurrent = false

        func flush() throws {
            guard !job.rows.isEmpty else { return }
            try handOver(job)
            job = WriteJob(rows: [], ids: [], pending: 0)
            batchBytes = 0
            batchEventCount = 0
        }
        func batchIsFull() -> Bool {
            job.rows.count >= batchSubjects || batchBytes >= batchPayloadBytes || batchEventCount >= batchEvents
        }
        func finishSubject() throws {
            guard let id = currentID, !current.isEmpty else { return }
            if bulk { Self.settleDuplicates(&current, origins: origins, into: &job.duplicates) }
            // The log is read in (subject, occurred_at) order: only equal instants may need their ids ordered.
            if zip(current, current.dropFirst()).contains(where: { Event.eventOrder($1, $0) }) { current.sort(by: Event.eventOrder) }
            let rows = SubjectFold.fold(sorted: current)
            if bulk { job.readingEvents += Int64(current.reduce(0) { $1.type == .tempReadingRecorded ? $0 + 1 : $0 }) }
            job.pending += Int64(rows.pendingEvents)
            job.rows.append(rows)
            job.ids.append(id)
            current.removeAll(keepingCapacity: true)
            origins.removeAll(keepingCapacity: true)
            if batchIsFull() { try flush() }
        }
        /// Folds the rows `query` returns (subject, event id, type, occurred_at, source, payload,
        /// and in bulk partition, offset, ctid), in subject order.
        func consume(_ query: String, largeAfter limit: Int, setUp: (PostgresConnection) throws -> Void = { _ in }) throws {
            let fieldCount = bulk ? 9 : 6
            var copyData = CopyBinaryReader(fieldCount: fieldCount, source: "the event log")
            var rows = CopyRows(fieldCount: fieldCount, reservingBytes: 1 << 20)
            // The sort by subject runs in memory rather than through temporary files; SET LOCAL keeps
            // the setting to this transaction (a transaction-mode pooler may hand the session on).
            try reader.transaction { reader in
                try reader.execute("set local work_mem = '256MB'")
                try setUp(reader)
                // Binary: the server prints no timestamps, the client unescapes nothing.
                try reader.copyOut("copy (\(query)) to stdout (format binary)") { chunk in
                    try copyData.consume(chunk, into: &rows)
                    for row in 0..<rows.count {
                        // A subject's id is made into a String once, not once per event.
                        if currentID == nil || !rows.field(row, 0, equals: currentBytes) {
                            try finishSubject()
                            currentID = rows.string(row, 0)
                            currentBytes = rows.bytes(row, 0) ?? []
                            skippingCurrent = false
                        }
                        if skippingCurrent { continue }
                        current.append(try Self.event(rows, row, subjectID: currentID ?? ""))
                        batchBytes += rows.span(row, 5).length
                        batchEventCount += 1
                        if bulk { origins.append(try Self.position(rows, row)) }
                        if current.count >= limit, let id = currentID {
                            // Too many to hold: this subject is folded on its own after the pass.
                            large.append(id)
                            current.removeAll(keepingCapacity: true)
                            origins.removeAll(keepingCapacity: true)
                            skippingCurrent = true
                        }
                    }
                    rows.removeAll()
                }
            }
            try copyData.finish()
            try finishSubject()
            currentID = nil
        }

        let columns = bulk
            ? #"e.subject_id, e.event_id, e.event_type, e.occurred_at, e.source, e.payload, e.partition, e."offset", e.ctid"#
            : "e.subject_id, e.event_id, e.event_type, e.occurred_at, e.source, e.payload"
        let order = #"order by e.subject_id collate "C", e.occurred_at"#
        if bulk {
            try consume("""
                select \(columns) from \(state.table("events")) e
                \(parts > 1 ? "where (hashtext(e.subject_id) & 2147483647) % \(parts) = \(part)" : "")
                \(order)
                """, largeAfter: largeSubjectEvents)
        } else {
            try consume("""
                select \(columns) from \(state.table("events")) e join \(state.table("dirty_subjects")) d using (subject_id)
                where e.event_type <> 'temp.reading_recorded' \(order)
                """, largeAfter: .max)
        }
        for id in large {
            let stage: (PostgresConnection) throws -> Void = { db in
                try db.execute("create temp table large_subject (subject_id text not null) on commit drop")
                try db.query("insert into pg_temp.large_subject values ($1)", [.text(id)])
            }
            let mixed = try reader.query("""
                select exists (select 1 from \(state.table("events")) where subject_id = $1 and event_type <> 'temp.reading_recorded')
                """, [.text(id)]).scalar == "t"
            if mixed {
                // Not only readings: folded whole, as every subject of the pass (held in memory).
                try consume("""
                    select \(columns) from \(state.table("events")) e join pg_temp.large_subject using (subject_id) \(order)
                    """, largeAfter: .max, setUp: stage)
            } else {
                try flush()
                try foldSensor(id, reader: reader, stage: stage, handOver)
            }
        }
        try flush()
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

    private func targetIsEmpty() throws -> Bool {
        let checks = RowEncoding.refoldedTables.map { t in
            t.name == "subjects"
                ? "not exists (select 1 from \(target.table(t.name)) where subject <> 'sensor')"
                : "not exists (select 1 from \(target.table(t.name)))"
        }
        return try writer.query("select " + checks.joined(separator: " and "))[0, 0] == "t"
    }

    func copyRows(_ encoded: EncodedTable?, table: TableDefinition, into qualified: String, db: PostgresConnection) throws -> Int64 {
        guard let encoded, encoded.rows > 0 else { return 0 }
        let columns = table.columnNames.map(SQL.quoteIdentifier).joined(separator: ", ")
        return Int64(try db.copyIn("copy \(qualified) (\(columns)) from stdin (format binary)") { w in
            try encoded.bytes.withUnsafeBytes { try w.write($0) }
        })
    }

    /// Temporary tables live until the transaction ends; a bulk pass stages many batches in one.
    private func freshTempTable(_ name: String, _ definition: String, db: PostgresConnection) throws {
        try db.execute("create temp table if not exists \(name) \(definition) on commit drop; truncate pg_temp.\(name)")
    }

    func stageSubjects(_ ids: [String], db: PostgresConnection) throws {
        try freshTempTable("batch_subjects", "(subject_id text primary key)", db: db)
        try db.copyIn("copy pg_temp.batch_subjects from stdin") { w in
            for id in ids { w.field(id); w.endRow() }
        }
    }

    private func clearDirty(db: PostgresConnection) throws {
        try db.query("delete from \(state.table("dirty_subjects")) d using pg_temp.batch_subjects b where d.subject_id = b.subject_id")
    }

    /// One batch in one transaction: rows, dirty-set removal and the run's counters.
    fileprivate func write(_ batch: [String: EncodedTable], ids: [String], pending: Int64, direct: Bool, on connection: PostgresConnection) throws {
        try PostgresConnection.retryingDeadlocks { try connection.transaction { db in
            try db.execute("set local synchronous_commit = off")
            try stageSubjects(ids, db: db)
            let written = try writeTables(RowEncoding.refoldedTables, of: batch, direct: direct, db: db)
            try clearDirty(db: db)
            let ledger = RunLedger(state: state)
            try ledger.addRows(written, run: runID, db: db)
            try ledger.addMaterialized(runID, pending: pending, subjects: Int64(ids.count), db: db)
        } }
    }

    /// Each table's rows of `batch`, copied straight in (`direct`, into empty tables) or merged;
    /// returns rows written per table. Merging needs `batch_subjects`.
    func writeTables(_ tables: [TableDefinition], of batch: [String: EncodedTable], direct: Bool, db: PostgresConnection) throws -> [String: Int64] {
        var written: [String: Int64] = [:]
        for table in tables {
            written[table.name] = direct
                ? try copyRows(batch[table.name], table: table, into: target.table(table.name), db: db)
                : try merge(batch, table: table, db: db)
        }
        return written
    }

    /// Stages a batch's rows of `table` and merges them: rows that did not change are not
    /// touched, rows the batch's subjects should no longer have are deleted. Needs `batch_subjects`.
    func merge(_ batch: [String: EncodedTable], table: TableDefinition, db: PostgresConnection) throws -> Int64 {
        let stageName = SQL.quoteIdentifier("stage_" + table.name)
        let stage = "pg_temp.\(stageName)"
        let live = target.table(table.name)
        try freshTempTable(stageName, "(like \(live))", db: db)
        _ = try copyRows(batch[table.name], table: table, into: stage, db: db)
        var deleted = 0
        // A sensor's readings are one row per instant and only ever added; a refold of the dirty
        // set leaves sensor subjects to the projections.
        if table.name != LifestreamTables.temperatureReadings.name {
            let subjectsFilter = table.name == "subjects" && scope == .dirty ? " and t.subject <> 'sensor'" : ""
            deleted = try db.query("""
                delete from \(live) t using pg_temp.batch_subjects b
                where t.subject_id = b.subject_id\(subjectsFilter)
                  and not exists (select 1 from \(stage) s where s.subject_id = t.subject_id)
                """).affectedRows
        }
        let columns = table.columnNames.map(SQL.quoteIdentifier)
        let updates = table.nonKeyColumns.map { "\(SQL.quoteIdentifier($0.name)) = excluded.\(SQL.quoteIdentifier($0.name))" }
        let old = table.nonKeyColumns.map { "t.\(SQL.quoteIdentifier($0.name))" }.joined(separator: ", ")
        let new = table.nonKeyColumns.map { "excluded.\(SQL.quoteIdentifier($0.name))" }.joined(separator: ", ")
        let upserted = try db.query("""
            insert into \(live) as t (\(columns.joined(separator: ", "))) select \(columns.joined(separator: ", ")) from \(stage)
            on conflict (\(table.primaryKey.map(SQL.quoteIdentifier).joined(separator: ", "))) do update set \(updates.joined(separator: ", "))
            where (\(old)) is distinct from (\(new))
            """).affectedRows
        return Int64(deleted + upserted)
    }
}
