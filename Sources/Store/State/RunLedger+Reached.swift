import Postgres

extension RunLedger {
    /// How far the state's complete runs have read: per partition, the largest end of a complete
    /// run's range. Chained runs (the nightly, `--after`) leave every record before it in the log
    /// and the tables, so it is the checkpoint a diff of the target verifies; records at or after
    /// it — a run still going included — are what the next incremental diff looks at.
    public func reached(db: PostgresConnection) throws -> Checkpoint {
        var ends: [Int32: Int64] = [:]
        for row in try db.query("""
            select (r ->> 'partition')::integer as partition, max((r ->> 'end')::bigint) as "end"
            from \(state.table("runs")), jsonb_array_elements(plan -> 'ranges') r
            where status = $1 group by 1
            """, [.text(RunStatus.complete.rawValue)]) {
            ends[try row.decode("partition", as: Int32.self)] = try row.decode("end", as: Int64.self)
        }
        let topic = try db.query("select topic from \(state.table("binding"))").first.map { try $0.decode("topic", as: String.self) }
        return Checkpoint(source: "the complete runs of state schema \(state.name)", topic: topic, runID: nil, ends: ends)
    }
}
