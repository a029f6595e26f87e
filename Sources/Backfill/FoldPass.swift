import Lifestream
import Postgres
import Store

/// The folding side of a materialize pass: reads the log (`EventLogReader`), batches and folds
/// (`FoldBatcher`), encodes each batch for the writers and hands it over. One runs per reader
/// connection; a bulk pass runs several on parts of the subjects.
struct FoldPass: Sendable {
    let state: StateSchema
    let bulk: Bool
    let limits: FoldBatcher.Limits

    /// The tables a batch is encoded for: all nine in a bulk pass; a refold leaves the sensor
    /// projections to the ingest.
    var tables: [TableDefinition] { bulk ? LifestreamTables.all : RowEncoding.refoldedTables }

    /// Folds the subjects of part `part` of `parts` (by a hash of the subject), handing each
    /// encoded batch to `pass`.
    func run(reader: PostgresConnection, part: Int, of parts: Int, _ pass: (WriteJob) throws -> Void) throws {
        func handOver(_ job: WriteJob) throws {
            var job = job
            job.encoded = try TableWriter.encode(job.rows, tables: tables)
            try pass(job)
        }
        var batcher = FoldBatcher(limits: limits, settlesDuplicates: bulk)
        let log = EventLogReader(connection: reader, state: state, bulk: bulk)
        if bulk {
            try log.consume(log.everything(part: part, of: parts), into: &batcher, handOver: handOver)
        } else {
            let read = try log.dirtyRead()
            try log.consume(log.dirtySubjects(indexed: read.indexed), into: &batcher, setUp: { db in
                if !read.parallel { try db.execute("set local max_parallel_workers_per_gather = 0") }
            }, handOver: handOver)
        }
        // Subjects too large to hold among the others, each on its own now.
        let large = batcher.large
        batcher.limits.largeSubject = .max
        for id in large {
            let stage: (PostgresConnection) throws -> Void = { db in
                try db.execute("create temp table large_subject (subject_id text not null) on commit drop")
                try db.query("insert into pg_temp.large_subject values ($1)", [.text(id)])
            }
            let mixed: Bool = try reader.query("""
                select exists (select 1 from \(state.table("events")) where subject_id = $1 and event_type <> 'temp.reading_recorded') as mixed
                """, [.text(id)]).single().decode("mixed")
            if mixed {
                // Not only readings: folded whole, as every subject of the pass (held in memory).
                try log.consume(log.stagedSubject, into: &batcher, setUp: stage, handOver: handOver)
            } else {
                if let job = batcher.flush() { try handOver(job) }
                try foldSensor(id, reader: reader, stage: stage, handOver)
            }
        }
        if let job = batcher.flush() { try handOver(job) }
    }
}
