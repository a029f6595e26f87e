import Foundation
import Pipeline
import Postgres
import Store
import Synchronization

/// The threads that write a pass's folded batches, one per connection, each taking the next
/// batch from the queue when free.
///
/// Batches are disjoint sets of subjects, so two writers never write the same rows. A dirty pass
/// commits each batch on its own (`TableWriter.write`); a bulk pass has one writer and writes
/// every batch in one transaction that ends by settling the log: all of it or nothing.
final class MaterializeWriters: Sendable {
    private struct Shared {
        var counts = MaterializeCounts()
        var failures: [any Error] = []
    }

    private let shared = Mutex(Shared())
    private let onProgress: (@Sendable (MaterializeCounts) -> Void)?
    private let finished = DispatchGroup()

    /// Starts a thread per connection; each owns its connection until `join` returns.
    init(connections: [ConnectionHandoff], writer: TableWriter, directCopy: Bool, queue: BlockingQueue<WriteJob>,
         onProgress: (@Sendable (MaterializeCounts) -> Void)?) {
        self.onProgress = onProgress
        for (index, handoff) in connections.enumerated() {
            finished.enter()
            let thread = Thread { [self] in
                defer { finished.leave() }
                do {
                    if writer.scope == .bulk {
                        try drainBulk(queue, writer: writer, directCopy: directCopy, on: handoff.connection)
                    } else {
                        try drain(queue, writer: writer, directCopy: directCopy, on: handoff.connection)
                    }
                } catch {
                    shared.withLock { $0.failures.append(error) }
                    queue.cancel()  // the folding side stops at its next hand-over
                }
            }
            thread.name = "backfill-write-\(index)"
            thread.start()
        }
    }

    /// Waits until every writer has ended.
    func join() { finished.wait() }

    /// What the writers committed (call after `join`).
    var counts: MaterializeCounts { shared.withLock { $0.counts } }

    /// The error a writer met, rather than the cancellation the others saw because of it.
    var failure: (any Error)? {
        shared.withLock { shared in
            shared.failures.first { !($0 is BlockingQueue<WriteJob>.Cancelled) } ?? shared.failures.first
        }
    }

    /// Reported under the lock, so the totals a progress display sees only grow.
    private func committed(subjects: Int, pending: Int64) {
        shared.withLock { shared in
            shared.counts.subjects += Int64(subjects)
            shared.counts.pendingEvents += pending
            onProgress?(shared.counts)
        }
    }

    private func drain(_ queue: BlockingQueue<WriteJob>, writer: TableWriter, directCopy: Bool, on connection: PostgresConnection) throws {
        var direct = directCopy
        while let job = try queue.pop() {
            do {
                try writer.write(job, direct: direct, on: connection)
            } catch let error as PostgresError where direct && error.sqlState == "23505" {
                direct = false  // someone else's rows are there after all: merge instead
                try writer.write(job, direct: false, on: connection)
            }
            committed(subjects: job.ids.count, pending: job.pending)
        }
    }

    /// Every batch in one transaction, which then settles the log (`BulkLoad.settle`).
    private func drainBulk(_ queue: BlockingQueue<WriteJob>, writer: TableWriter, directCopy: Bool, on connection: PostgresConnection) throws {
        try connection.transaction { db in
            try db.execute("create temp table bulk_duplicates (loser tid not null, winner tid not null) on commit drop")
            var written: [String: Int64] = [:]
            while let job = try queue.pop() {
                do {
                    for (table, rows) in try writer.writeBulk(job, direct: directCopy, db: db) { written[table, default: 0] += rows }
                } catch let error as PostgresError where directCopy && error.sqlState == "23505" {
                    throw Materializer.DirectCopyConflict()
                }
                committed(subjects: job.ids.count, pending: job.pending)
            }
            try db.execute("analyze pg_temp.bulk_duplicates")
            try BulkLoad(state: writer.state, target: writer.target).settle(runID: writer.runID, db: db)
            let ledger = RunLedger(state: writer.state)
            let counts = self.counts
            try ledger.addRows(written, run: writer.runID, db: db)
            try ledger.addMaterialized(writer.runID, pending: counts.pendingEvents, subjects: counts.subjects, db: db)
        }
    }
}
