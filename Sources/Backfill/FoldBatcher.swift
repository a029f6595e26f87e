import Lifestream

/// One batch of folded subjects on its way to a writer.
struct WriteJob: Sendable {
    var rows: [SubjectRows] = []
    var ids: [String] = []
    var pending: Int64 = 0
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

/// Where a record lies in the log: the lowest (partition, offset) of an event's records is
/// the event; `tid` finds the row again (nothing else writes the log while the run holds its lock).
struct LogPosition: Sendable, Equatable {
    var partition: Int64
    var offset: Int64
    var tid: String
}

/// Turns events read in subject order into write batches — the batching policy of a
/// materialize pass, apart from any I/O.
///
/// A subject's events are folded (`SubjectFold`) when the next subject begins or the input
/// ends. A batch is handed over once it holds `Limits.subjects` subjects, `payloadBytes` of
/// their payloads or `events` events, whichever comes first: memory stays bounded by the batch,
/// not by the subjects. In a bulk pass (`settlesDuplicates`) each subject's records of one event
/// id are settled first (`Materializer.settleDuplicates`). A subject with `largeSubject` events
/// or more is set aside — its id in `large`, its events dropped as they come — and folded on
/// its own after the pass, so a sensor with years of readings need not fit in memory.
struct FoldBatcher {
    struct Limits: Sendable {
        var subjects = 5_000
        var payloadBytes = 8 << 20
        var events = 10_000
        var largeSubject = Int.max
    }

    var limits: Limits
    let settlesDuplicates: Bool
    private(set) var large: [String] = []
    private var job = WriteJob()
    private var batchBytes = 0
    private var batchEvents = 0
    private var subjectID: String?
    private var events: [Event] = []
    private var origins: [LogPosition] = []
    /// The current subject was set aside as large: its further events are not kept.
    private(set) var isSkippingSubject = false

    init(limits: Limits, settlesDuplicates: Bool) {
        self.limits = limits
        self.settlesDuplicates = settlesDuplicates
    }

    /// Starts the events of `id`, finishing the previous subject; returns a batch that became full.
    mutating func begin(subject id: String) -> WriteJob? {
        let full = finishSubject()
        subjectID = id
        isSkippingSubject = false
        return full
    }

    /// Adds an event of the current subject (`origin`: where it lies in the log, bulk only).
    mutating func add(_ event: Event, payloadBytes: Int, origin: LogPosition? = nil) {
        guard !isSkippingSubject, let id = subjectID else { return }
        events.append(event)
        if let origin { origins.append(origin) }
        batchBytes += payloadBytes
        batchEvents += 1
        if events.count >= limits.largeSubject {
            large.append(id)
            events.removeAll(keepingCapacity: true)
            origins.removeAll(keepingCapacity: true)
            isSkippingSubject = true
        }
    }

    /// Finishes the current subject (the input ended); returns a batch that became full.
    mutating func endOfInput() -> WriteJob? {
        let full = finishSubject()
        subjectID = nil
        return full
    }

    /// The batch so far, however small (nil when empty), and a fresh one started.
    mutating func flush() -> WriteJob? {
        guard !job.rows.isEmpty else { return nil }
        defer {
            job = WriteJob()
            batchBytes = 0
            batchEvents = 0
        }
        return job
    }

    private mutating func finishSubject() -> WriteJob? {
        guard let id = subjectID, !events.isEmpty else { return nil }
        if settlesDuplicates { Materializer.settleDuplicates(&events, origins: origins, into: &job.duplicates) }
        // The log is read in (subject, occurred_at) order: only equal instants may need their ids ordered.
        if zip(events, events.dropFirst()).contains(where: { Event.eventOrder($1, $0) }) { events.sort(by: Event.eventOrder) }
        let rows = SubjectFold.fold(sorted: events)
        if settlesDuplicates { job.readingEvents += Int64(events.reduce(0) { $1.type == .tempReadingRecorded ? $0 + 1 : $0 }) }
        job.pending += Int64(rows.pendingEvents)
        job.rows.append(rows)
        job.ids.append(id)
        events.removeAll(keepingCapacity: true)
        origins.removeAll(keepingCapacity: true)
        let full = job.rows.count >= limits.subjects || batchBytes >= limits.payloadBytes || batchEvents >= limits.events
        return full ? flush() : nil
    }
}
