import Kafka

/// One micro-batch of the follower: what it embeds, what it quarantines, and where the topic's
/// partitions stand once it is committed.
///
/// `positions` is the reader's position when the batch was cut, so it covers every record read
/// before it: those in `toEmbed`, those quarantined, those superseded by a newer record of the
/// same id, and those already current in the table (or in an earlier batch still in flight).
/// Batches commit in `sequence` order, so a batch's positions never run ahead of a record that
/// an earlier batch has not yet written.
struct FollowBatch: Sendable {
    var sequence: Int
    var toEmbed: [TextMessage]
    var quarantined: [QuarantinedRecord]
    var positions: [Int32: Int64]
    /// Per partition, the first record the batch covers (offset, record timestamp): what the
    /// lag in seconds is measured from while it is not committed.
    var firstRecords: [Int32: RecordMark]
    /// Record timestamps (ms) of `toEmbed`, in order, for the produce-to-queryable delay.
    var producedAt: [Int64?]
    var counts: Counts
    var cutAt: ContinuousClock.Instant

    struct Counts: Sendable, Equatable {
        var records = 0
        var valid = 0
        var superseded = 0
        /// Valid, newest of their id, and already current: nothing to do.
        var current = 0
    }
}

/// A record's place and time, for lag.
struct RecordMark: Sendable, Equatable {
    var offset: Int64
    var timestamp: Int64?
}

/// The records read since the last cut, waiting to become a batch. Pure.
struct PendingBatch {
    private(set) var latest = LatestMessages()
    private(set) var quarantined: [QuarantinedRecord] = []
    private(set) var records = 0
    private(set) var valid = 0
    private(set) var firstArrival: ContinuousClock.Instant?
    private(set) var firstRecords: [Int32: RecordMark] = [:]
    private var timestamps: [Int32: [Int64: Int64]] = [:]

    var isEmpty: Bool { records == 0 }

    mutating func add(_ record: KafkaRecord, at now: ContinuousClock.Instant) {
        if records == 0 { firstArrival = now }
        records += 1
        if firstRecords[record.partition] == nil {
            firstRecords[record.partition] = RecordMark(offset: record.offset, timestamp: record.timestamp)
        }
        switch TextMessage.decode(record) {
        case .success(let message):
            valid += 1
            latest.add(message)
            if let timestamp = record.timestamp { timestamps[record.partition, default: [:]][record.offset] = timestamp }
        case .failure(let bad):
            quarantined.append(bad)
        }
    }

    /// The newest message per id, in (partition, offset) order.
    var candidates: [TextMessage] { latest.sorted() }

    /// The batch of `toEmbed` (the candidates not current), covering everything up to `positions`.
    func batch(sequence: Int, toEmbed: [TextMessage], positions: [Int32: Int64], at now: ContinuousClock.Instant) -> FollowBatch {
        let counts = FollowBatch.Counts(records: records, valid: valid, superseded: Int(latest.superseded),
                                        current: latest.count - toEmbed.count)
        return FollowBatch(sequence: sequence, toEmbed: toEmbed, quarantined: quarantined, positions: positions,
                           firstRecords: firstRecords, producedAt: toEmbed.map { timestamps[$0.partition]?[$0.offset] },
                           counts: counts, cutAt: now)
    }
}

/// When the records read so far become a batch. Pure, so the freshness rules are tested without
/// a clock.
struct CutRule: Sendable {
    var batchSize: Int
    var concurrency: Int
    var linger: Duration

    /// Full batches go at once (the queue to the workers holds them back when all are busy);
    /// a partial one goes when its first record has waited `linger` and a worker is free. While
    /// every worker is busy a partial batch keeps growing, so a busy service gets fuller
    /// requests and a quiet one gets each record within `linger` plus one request.
    func shouldCut(_ pending: PendingBatch, outstanding: Int, now: ContinuousClock.Instant) -> Bool {
        guard !pending.isEmpty else { return false }
        if pending.records >= batchSize { return true }
        guard let first = pending.firstArrival, now - first >= linger else { return false }
        return outstanding < concurrency
    }

    /// How many records the next poll may add.
    func room(_ pending: PendingBatch) -> Int { max(1, batchSize - pending.records) }
}
