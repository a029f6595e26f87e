import Kafka
import Pipeline
import Postgres
import Store

/// A run's ingest: the ranges still to read (after what earlier launches committed) split over
/// workers on disjoint partitions, each reading a batch ahead while it appends the current one.
struct RunIngest {
    let kafka: KafkaConfiguration
    let connector: Connector
    let options: RunOptions
    let runID: String
    /// The application name of the run's work connections.
    let tag: String
    let onProgress: (@Sendable (RunProgress) -> Void)?

    /// Reads and appends every remaining record of `plan`, then records the ranges' ends and marks
    /// the run `ingested`. `db` is the first worker's connection; the others open their own.
    func ingest(_ plan: RunPlan, db: PostgresConnection) throws {
        let ledger = RunLedger(state: options.state)
        let next = try ledger.progress(runID, db: db)
        let remaining = plan.ranges.map { r in OffsetRange(partition: r.partition, start: max(r.start, min(next[r.partition] ?? r.start, r.end)), end: r.end) }
        let bulk = try ledger.record(runID, db: db).bulk
        // Workers on disjoint partitions: one worker's database work overlaps another's decoding.
        // A bulk load appends to a keyless log, so they cannot conflict; on the per-batch path a
        // subject whose events span partitions can make two batches wait on each other, and a
        // batch PostgreSQL picks as a deadlock victim is simply run again.
        let groups = IngestWorkers.split(remaining, into: options.ingestWorkers)
        let committed = IngestProgress(done: plan.totalRecords - remaining.reduce(0) { $0 + $1.count })
        let worker: @Sendable (_ connection: PostgresConnection, _ ranges: [OffsetRange], _ workers: PartWorkers) throws -> Void = {
            [kafka, options, runID, onProgress] connection, ranges, workers in
            let ingester = Ingester(connection: connection, state: options.state, target: options.target,
                                    topic: options.topic, runID: runID, bulk: bulk)
            let reader = try RangeReader(configuration: kafka)
            // The prefetch budget is shared: a few partitions in flight in all.
            try ReadAhead.read(reader, topic: options.topic, ranges: ranges, batchSize: options.batchSize,
                               partitionsAtOnce: max(1, 4 / groups.count)) { records in
                if workers.shouldStop { throw PartWorkers.Stopped() }
                _ = try PostgresConnection.retryingDeadlocks { try ingester.ingest(records) }
                onProgress?(.ingested(done: committed.add(records.count), total: plan.totalRecords))
            }
        }
        if !groups.isEmpty {
            _ = try PartWorkers.run(count: groups.count, name: "backfill-ingest") { workers in
                try worker(db, groups[0], workers)
            } other: { [connector, tag] part, workers in
                let connection = try connector.connect(tag)
                connection.defersCommitFlush = options.defersCommitFlush
                defer { connection.close() }
                try worker(connection, groups[part], workers)
            }
        }
        try ledger.markIngested(runID, ranges: plan.ranges, db: db)
    }

    /// Appends `records` — exactly the records of `plan`'s ranges, already read (a follower's
    /// batch) — on `db` alone, skipping those an earlier attempt of this run committed, then
    /// records the ranges' ends and marks the run `ingested`.
    func ingest(_ records: [KafkaRecord], of plan: RunPlan, db: PostgresConnection) throws {
        let ledger = RunLedger(state: options.state)
        let next = try ledger.progress(runID, db: db)
        let remaining = records.filter { $0.offset >= next[$0.partition] ?? 0 }
        let ingester = Ingester(connection: db, state: options.state, target: options.target, topic: options.topic,
                                runID: runID, bulk: try ledger.record(runID, db: db).bulk)
        var done = Int64(records.count - remaining.count)
        for start in stride(from: 0, to: remaining.count, by: max(1, options.batchSize)) {
            let batch = Array(remaining[start..<min(remaining.count, start + options.batchSize)])
            _ = try PostgresConnection.retryingDeadlocks { try ingester.ingest(batch) }
            done += Int64(batch.count)
            onProgress?(.ingested(done: done, total: plan.totalRecords))
        }
        try ledger.markIngested(runID, ranges: plan.ranges, db: db)
    }
}
