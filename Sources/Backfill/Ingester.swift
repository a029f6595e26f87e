import Kafka
import Lifestream
import Postgres
import Store

/// What one batch (or a whole run) did to the event log.
public struct IngestCounts: Sendable, Equatable {
    public var read: Int64 = 0
    public var valid: Int64 = 0
    public var duplicate: Int64 = 0
    public var quarantined: Int64 = 0
    public var newEvents: Int64 = 0
    public init() {}
}

/// Appends a batch of records to the event log in one transaction, together with the
/// quarantine rows, the dirty subjects, the sensor projections and the run's progress.
///
/// Because all of it commits or none of it does, a process killed at any point resumes at
/// the first offset whose batch did not commit: nothing lost, nothing applied twice.
/// Re-reading a record that is already logged (same partition and offset) is harmless: it
/// is neither a new event nor a duplicate.
public final class Ingester {
    let connection: PostgresConnection
    let state: StateSchema
    let target: TargetSchema
    let topic: String
    let runID: String
    /// Append straight to a keyless log (see `BulkLoad`): no staging, no per-record key
    /// probe; duplicates and sensor rows are settled by the bulk pass that folds the log.
    let bulk: Bool

    public init(connection: PostgresConnection, state: StateSchema, target: TargetSchema, topic: String, runID: String, bulk: Bool = false) {
        self.connection = connection
        self.state = state
        self.target = target
        self.topic = topic
        self.runID = runID
        self.bulk = bulk
    }

    public func ingest(_ records: [KafkaRecord]) throws -> IngestCounts {
        var counts = IngestCounts()
        counts.read = Int64(records.count)
        var nextOffsets: [Int32: Int64] = [:]
        for record in records { nextOffsets[record.partition] = max(nextOffsets[record.partition] ?? 0, record.offset + 1) }

        try connection.transaction { db in
            // Every batch commits its progress with its data: a commit lost to a server crash is
            // simply ingested again, so it need not wait for the WAL flush.
            try db.execute("set local synchronous_commit = off")
            // The staging tables live as long as the session and are emptied at each commit:
            // creating and dropping them in every batch cost a follower's batch ~25 ms of catalog
            // work at COMMIT. This transaction is the only one to use them, so they start empty.
            // (Through a transaction-mode pooler each server session gets its own.)
            try db.execute((bulk ? "" : """
                create temp table if not exists stage_events (subject_id text, event_id text, event_type text, occurred_at timestamptz,
                    source text, payload text, partition integer, "offset" bigint, record_timestamp timestamptz) on commit delete rows;
                create temp table if not exists stage_readings (subject_id text, event_id text, occurred_at timestamptz,
                    celsius double precision, humidity double precision, partition integer, "offset" bigint) on commit delete rows;
                """) + """
                create temp table if not exists stage_quarantine (partition integer, "offset" bigint, key bytea, value bytea,
                    reason text, record_timestamp timestamptz) on commit delete rows
                """)
            var quarantine: [(KafkaRecord, QuarantineReason)] = []
            var readings: [(subjectID: String, eventID: String, at: Timestamp, celsius: Double, humidity: Double?, record: KafkaRecord)] = []
            // Binary COPY: timestamps and integers travel as numbers, text without escaping.
            let destination = bulk
                ? "copy \(state.table("events")) (subject_id, event_id, event_type, occurred_at, source, payload, partition, \"offset\", record_timestamp) from stdin (format binary)"
                : "copy pg_temp.stage_events from stdin (format binary)"
            try db.copyIn(destination) { writer in
                writer.binaryHeader()
                for record in records {
                    guard let value = record.value else {
                        quarantine.append((record, .invalidJSON))
                        continue
                    }
                    switch EventDecoder.decode(value) {
                    case .failure(let reason):
                        quarantine.append((record, reason))
                    case .success(let decoded):
                        let event = decoded.event
                        writer.binaryRow(fields: 9)
                        writer.binary(event.subjectID)
                        writer.binary(event.eventID)
                        writer.binary(event.type.rawValue)
                        writer.binary(event.occurredAt)
                        writer.binary(event.source)
                        value.withUnsafeBytes { writer.binary(utf8: UnsafeRawBufferPointer(rebasing: $0[decoded.payloadRange])) }
                        writer.binary(int32: record.partition)
                        writer.binary(int64: record.offset)
                        writer.binary(timestampMicroseconds: record.timestamp.map { $0 * 1000 })
                        if !bulk, case let .tempReadingRecorded(celsius, humidity) = event.payload {
                            readings.append((event.subjectID, event.eventID, event.occurredAt, celsius, humidity, record))
                        }
                    }
                }
                writer.binaryTrailer()
            }
            if !readings.isEmpty {
                // Sensor readings travel decoded: the apply statement projects them from these columns.
                try db.copyIn("copy pg_temp.stage_readings from stdin (format binary)") { writer in
                    writer.binaryHeader()
                    for reading in readings {
                        writer.binaryRow(fields: 7)
                        writer.binary(reading.subjectID)
                        writer.binary(reading.eventID)
                        writer.binary(reading.at)
                        writer.binary(float8: reading.celsius)
                        writer.binary(float8: reading.humidity)
                        writer.binary(int32: reading.record.partition)
                        writer.binary(int64: reading.record.offset)
                    }
                    writer.binaryTrailer()
                }
            }
            counts.quarantined = Int64(quarantine.count)
            if !quarantine.isEmpty {
                try db.copyIn("copy pg_temp.stage_quarantine from stdin") { writer in
                    for (record, reason) in quarantine {
                        writer.field(Int64(record.partition))
                        writer.field(record.offset)
                        writer.field(bytes: record.key)
                        writer.field(bytes: record.value)
                        writer.field(reason.rawValue)
                        writer.field(record.timestamp.map { Timestamp(milliseconds: $0).postgresText })
                        writer.endRow()
                    }
                }
                try db.query("""
                    insert into \(target.table("quarantine")) (topic, partition, "offset", key, value, reason, record_timestamp, quarantined_at)
                    select $1, partition, "offset", key, value, reason, record_timestamp, now() from pg_temp.stage_quarantine
                    on conflict do nothing
                    """, [.text(topic)])
            }

            if bulk {
                counts.valid = counts.read - counts.quarantined  // until the load settles its duplicates
            } else {
                try apply(into: &counts, db: db)
            }

            let ledger = RunLedger(state: state)
            try ledger.advance(runID, to: nextOffsets, db: db)
            try ledger.addIngested(runID, read: counts.read, valid: counts.valid, duplicate: counts.duplicate,
                                   quarantined: counts.quarantined, newEvents: counts.newEvents, db: db)
        }
        return counts
    }

    /// The per-batch path: log the staged events that are new, record the duplicates, apply
    /// sensor readings; fills in the batch's valid, duplicate and new-event counts.
    private func apply(into counts: inout IngestCounts, db: PostgresConnection) throws {
        let applied = try db.query(applyStatement, [.text(runID)]).single("the apply statement")
        counts.newEvents = try applied.decode("new_events")
        let sensorsFirstSeen: Int64 = try applied.decode("sensors_first_seen")
        try RunLedger(state: state).addRows([
            "temperature_readings": try applied.decode("new_readings"),
            "temperature_latest": sensorsFirstSeen,
            "subjects": sensorsFirstSeen,
        ], run: runID, db: db)
        counts.duplicate = try applied.decode("duplicates")
        counts.valid = counts.read - counts.quarantined - counts.duplicate
    }

    /// One statement: log new events, record duplicates, mark subjects dirty, and apply sensor
    /// readings with guarded upserts (append-only projections need no refold).
    private var applyStatement: String {
        let events = state.table("events")
        return """
        with ins as (
            insert into \(events) (subject_id, event_id, event_type, occurred_at, source, payload, partition, "offset", record_timestamp)
            select distinct on (subject_id, event_id) subject_id, event_id, event_type, occurred_at, source, payload, partition, "offset", record_timestamp
            from pg_temp.stage_events
            order by subject_id, event_id, partition, "offset"
            on conflict (subject_id, event_id) do nothing
            returning subject_id, event_id, event_type, occurred_at, source, payload, partition, "offset"
        ), not_logged as (
            -- Records that did not become an event: re-reads of logged records and duplicates.
            -- Few, so each finds its event through the key (in the log, or logged just now).
            select s.* from pg_temp.stage_events s
            where not exists (select 1 from ins i where i.partition = s.partition and i."offset" = s."offset")
        ), duplicate as (
            -- the event is in the log from before (found through the key, one probe each) …
            select n.partition, n."offset", n.subject_id, n.event_id,
                   (n.event_type = e.event_type and n.occurred_at = e.occurred_at
                    and n.source is not distinct from e.source and n.payload::jsonb = e.payload::jsonb) as same_payload
            from not_logged n
            join lateral (
                select l.event_type, l.occurred_at, l.source, l.payload, l.partition, l."offset" from \(events) l
                where l.subject_id = n.subject_id and l.event_id = n.event_id
                limit 1  -- the key is unique; the limit also keeps the planner from a hash join over the whole log
            ) e on true
            where (e.partition, e."offset") <> (n.partition, n."offset")
            union all
            -- … or another record of this batch became it just now
            select n.partition, n."offset", n.subject_id, n.event_id,
                   (n.event_type = i.event_type and n.occurred_at = i.occurred_at
                    and n.source is not distinct from i.source and n.payload::jsonb = i.payload::jsonb)
            from not_logged n join ins i using (subject_id, event_id)
        ), recorded as (
            insert into \(state.table("duplicates")) (partition, "offset", subject_id, event_id, same_payload)
            select partition, "offset", subject_id, event_id, same_payload from duplicate
            on conflict do nothing
        ), dirty as (
            insert into \(state.table("dirty_subjects")) (subject_id)
            select distinct subject_id from ins where event_type <> 'temp.reading_recorded'
            on conflict do nothing
        ), new_readings as (
            -- only the record that became the event, not a duplicate of it in the same batch
            select r.* from pg_temp.stage_readings r join ins using (subject_id, event_id, partition, "offset")
        ), \(SensorProjection.upserts(from: "new_readings", into: target)), first_seen as (
            insert into \(state.table("run_sensor_subjects")) (run_id, subject_id)
            select distinct $1, subject_id from new_readings
            on conflict do nothing
            returning 1
        )
        -- Sensor row counts are per new reading and per sensor first touched in the run, so
        -- they do not depend on where batches happen to be cut (a resumed run counts the same).
        select (select count(*) from ins) as new_events, (select count(*) from new_readings) as new_readings,
               (select count(*) from first_seen) as sensors_first_seen, (select count(*) from duplicate) as duplicates
        """
    }
}
