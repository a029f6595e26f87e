import Lifestream
import Postgres

/// The bulk pass's own steps (`Materializer.Scope.bulk`): duplicates settled per subject as its
/// records come by, large sensors streamed, and each batch written inside the pass's one transaction.
extension Materializer {
    /// Keeps one record per event id (by UTF-8 bytes, as the log's key compares) — the one at the
    /// lowest (partition, offset) — and lists the others with the record they duplicate.
    static func settleDuplicates(_ events: inout [Event], origins: [LogPosition], into duplicates: inout [(loser: String, winner: String)]) {
        guard events.count > 1 else { return }
        let order = events.indices.sorted { a, b in
            if !events[a].eventID.utf8.elementsEqual(events[b].eventID.utf8) {
                return events[a].eventID.utf8.lexicographicallyPrecedes(events[b].eventID.utf8)
            }
            return (origins[a].partition, origins[a].offset) < (origins[b].partition, origins[b].offset)
        }
        var keep = Array(repeating: true, count: events.count)
        var found = false
        for (previous, index) in zip(order, order.dropFirst()) where events[previous].eventID.utf8.elementsEqual(events[index].eventID.utf8) {
            keep[index] = false
            found = true
        }
        guard found else { return }
        var winner = order[0]
        for index in order {
            if keep[index] { winner = index } else { duplicates.append((origins[index].tid, origins[winner].tid)) }
        }
        var kept: [Event] = []
        kept.reserveCapacity(events.count)
        for index in events.indices where keep[index] { kept.append(events[index]) }
        events = kept
    }
}

extension FoldPass {
    /// A sensor with more readings than a subject may hold in memory, streamed: the server
    /// settles its duplicates (lowest partition and offset of each event id) and returns its
    /// events in event order; an instant's reading (its largest event id) is final once the next
    /// instant starts, and rows go to the writer every `batchEvents` readings. The outcome is
    /// `SubjectFold`'s for a subject of readings only.
    func foldSensor(_ id: String, reader: PostgresConnection, stage: (PostgresConnection) throws -> Void,
                    _ handOver: (WriteJob) throws -> Void) throws {
        let events = state.table("events")
        var job = WriteJob()
        var chunk = SubjectRows()
        var duplicates = CopyRows(fieldCount: 2)
        var duplicateReader = CopyBinaryReader(fieldCount: 2, source: "the event log")
        var readings = CopyRows(fieldCount: 3, reservingBytes: 1 << 20)
        var readingReader = CopyBinaryReader(fieldCount: 3, source: "the event log")
        var sensor = SensorFold(subjectID: id)
        try reader.transaction { db in
            try db.execute("set local work_mem = '256MB'")
            try stage(db)
            try db.copyOut("""
                copy (select r.ctid, r.winner from (
                          select e.ctid, first_value(e.ctid) over w as winner, row_number() over w as rank
                          from \(events) e join pg_temp.large_subject using (subject_id)
                          window w as (partition by e.event_id order by e.partition, e."offset")) r
                      where r.rank > 1) to stdout (format binary)
                """) { data in
                try duplicateReader.consume(data, into: &duplicates)
                for row in 0..<duplicates.count {
                    guard let loser = duplicates.tidText(row, 0), let winner = duplicates.tidText(row, 1) else {
                        throw BackfillError(.materialize, "the event log returned a duplicate of sensor \(id) without its tuple ids")
                    }
                    job.duplicates.append((loser, winner))
                }
                duplicates.removeAll()
            }
            try duplicateReader.finish()
            try db.copyOut("""
                copy (select s.occurred_at, s.event_id, s.payload from (
                          select distinct on (e.event_id) e.occurred_at, e.event_id, e.payload
                          from \(events) e join pg_temp.large_subject using (subject_id)
                          order by e.event_id, e.partition, e."offset") s
                      order by s.occurred_at, s.event_id collate "C") to stdout (format binary)
                """) { data in
                try readingReader.consume(data, into: &readings)
                for row in 0..<readings.count {
                    guard let micros = readings.timestampMicroseconds(row, 0), let eventID = readings.string(row, 1),
                          case .success(.tempReadingRecorded(let celsius, let humidity))? = readings.withField(row, 2, {
                              EventDecoder.decodePayload(type: .tempReadingRecorded, bytes: $0)
                          })
                    else { throw BackfillError(.materialize, "a reading of sensor \(id) in the log no longer validates") }
                    if let final = sensor.add(eventID: eventID, occurredAt: Timestamp(microseconds: micros), celsius: celsius, humidity: humidity) {
                        chunk.temperatureReadings.append(final)
                        if chunk.temperatureReadings.count >= limits.events {
                            job.rows.append(chunk)
                            try handOver(job)
                            job = WriteJob()
                            chunk = SubjectRows()
                        }
                    }
                    job.readingEvents += 1
                }
                readings.removeAll()
            }
            try readingReader.finish()
        }
        let last = sensor.finish()
        chunk.temperatureReadings += last.temperatureReadings
        chunk.subject = last.subject
        chunk.temperatureLatest = last.temperatureLatest
        job.rows.append(chunk)
        job.ids.append(id)
        try handOver(job)
    }
}

extension TableWriter {
    /// One batch of a bulk pass, inside its transaction: the rows of all nine tables and the
    /// batch's duplicates; returns rows written per table.
    func writeBulk(_ job: WriteJob, direct: Bool, db: PostgresConnection) throws -> [String: Int64] {
        if !job.duplicates.isEmpty {
            try db.copyIn("copy pg_temp.bulk_duplicates from stdin") { w in
                for pair in job.duplicates { w.field(pair.loser); w.field(pair.winner); w.endRow() }
            }
        }
        if !direct { try stageSubjects(job.ids, db: db) }
        var written = try writeTables(LifestreamTables.all, of: job.encoded, direct: direct, db: db)
        // Counted per reading event, as the per-batch path counts readings applied.
        written["temperature_readings"] = job.readingEvents
        return written
    }
}
