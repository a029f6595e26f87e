import Foundation
import Logging
import Postgres
import Store

/// The verifier's working state between rounds: the running totals, the counters the report
/// shows, and a connection to the shadow's database for the event log. Owned by the verifier's
/// thread alone.
struct VerifyRound {
    let options: LiveVerifyOptions
    let started: Date
    var totals = DivergenceTotals()
    var diffs = 0
    var subjectsCompared = 0
    var pendingSubjects = 0
    var lastDiff: Date?
    var lastError: String?
    private var db: PostgresConnection?

    init(options: LiveVerifyOptions, started: Date) {
        self.options = options
        self.started = started
    }

    /// Diffs `selection`'s rows and takes the outcome into the totals.
    mutating func compare(_ selection: DiffSelection, logger: Logger, metrics: VerifyMetrics) throws {
        let began = ContinuousClock.now
        let outcome = try DiffRunner.outcome(of: options.request(selection))
        totals.apply(outcome)
        diffs += 1
        lastDiff = Date()
        metrics.diffEnded(at: lastDiff!.timeIntervalSince1970)
        logger.debug("verified", metadata: [
            "subjects": "\(outcome.covered.map { "\($0.count)" } ?? "all")", "differing_subjects": "\(totals.subjects)",
            "differing_rows": "\(totals.differences)", "ms": "\((ContinuousClock.now - began).components.seconds * 1000 + (ContinuousClock.now - began).components.attoseconds / 1_000_000_000_000_000)",
        ])
    }

    /// Compares the subjects of the records both sides have applied since the last round, leaving
    /// those with later records pending; then marks those records judged.
    mutating func judgeReady(_ cursor: inout VerifyCursor, logger: Logger, metrics: VerifyMetrics) throws {
        let state = StateSchema(name: options.stateSchema)
        let db = try connection()
        let ready = cursor.ready
        let later = cursor.applied == ready ? [] : try TouchedSubjects.since(checkpoint(ready), state: state, db: db).subjects
        pendingSubjects = later.count
        guard cursor.hasReadyRecords else { return }
        let touched = try TouchedSubjects.since(checkpoint(cursor.verified), state: state, db: db).subjects
        let subjects = VerifyCursor.subjectsToCompare(touchedSinceVerified: touched, touchedSinceReady: later)
        if !subjects.isEmpty {
            try compare(.subjects(subjects, label: "touched by the followed records both sides have applied"), logger: logger, metrics: metrics)
            subjectsCompared += subjects.count
        }
        cursor.judged(upTo: ready)
    }

    private func checkpoint(_ ends: [Int32: Int64]) -> Checkpoint {
        Checkpoint(source: "live verification", topic: options.topic, runID: nil, ends: ends)
    }

    private mutating func connection() throws -> PostgresConnection {
        if let db { return db }
        let opened = try PostgresConnection.connect(options.shadow.configuration, applicationName: "backfill follow --verify-against")
        db = opened
        return opened
    }

    mutating func closeConnection() {
        db?.close()
        db = nil
    }

    /// The report's view of the totals and the cursor.
    func status(_ cursor: VerifyCursor, now: Date) -> VerifyStatus {
        let byCause = totals.rowsByTableAndCause
        let tables = options.tables.map { table in
            VerifyStatus.TableRows(table: table.name, rows: totals.rowsByTable[table.name] ?? 0,
                                   causes: Dictionary(uniqueKeysWithValues: (byCause[table.name] ?? [:]).map { ($0.key.rawValue, $0.value) }))
        }
        let partitions = cursor.verified.keys.sorted().map { partition in
            VerifyStatus.PartitionPosition(partition: partition, verified: cursor.verified[partition] ?? 0,
                                           applied: cursor.applied[partition] ?? 0, live: cursor.live[partition] ?? nil)
        }
        return VerifyStatus(
            generatedAt: Timestamps.iso(now), liveSchema: options.live.schema, liveDatabase: options.live.configuration.redactedURL,
            shadowSchema: options.shadow.schema, liveGroup: options.liveGroup, topic: options.topic,
            differingSubjects: totals.subjects, differingRows: totals.differences, tables: tables,
            subjectsByCause: Dictionary(uniqueKeysWithValues: totals.subjectsByCause.map { ($0.key.rawValue, $0.value) }),
            pendingSubjects: pendingSubjects, liveBehindRecords: cursor.liveBehind, partitions: partitions,
            diffs: diffs, subjectsCompared: subjectsCompared, startedAt: Timestamps.iso(started),
            lastDiffAt: lastDiff.map(Timestamps.iso), lastError: lastError)
    }
}
