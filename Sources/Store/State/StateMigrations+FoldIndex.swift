import Postgres

extension StateMigrations {
    /// `events_fold`: the log's events but readings, by subject (issue 18: a batch's cost follows
    /// the batch). A follower's batch reads its dirty subjects' events by one probe each; through
    /// the key (subject, event) a probe also visits every reading of a sensor — more than half of
    /// the log — only to filter it out, one heap page each, so a 1,000-event batch over a 1M-event
    /// log spent ~150 ms there. This partial index holds only what a fold reads: the probes of
    /// 400 subjects took 4 ms instead. A bulk load drops and rebuilds it with the log's key.
    static let foldIndex = StateMigration(version: 3, summary: "the log's events but readings, by subject, for a batch's probes") { s in
        s.createFoldIndex
    }
}

extension StateSchema {
    /// The partial index the dirty subjects' probes use (`StateMigrations.foldIndex`).
    public static let foldIndexName = "events_fold"

    /// Builds the fold index (when a bulk load settles, or as migration step 3).
    public var createFoldIndex: String {
        "create index if not exists \(SQL.quoteIdentifier(Self.foldIndexName)) on \(table("events")) (subject_id) where event_type <> 'temp.reading_recorded'"
    }

    /// The log's secondary indexes, dropped for a bulk load (which builds the log without its key
    /// and indexes) and built again when it settles.
    public var dropSecondaryIndexes: String {
        "drop index if exists \(q).\(SQL.quoteIdentifier(Self.positionIndexName)); drop index if exists \(q).\(SQL.quoteIdentifier(Self.foldIndexName))"
    }
    public var createSecondaryIndexes: String { "\(createPositionIndex); \(createFoldIndex)" }
}
