import Foundation
import Postgres
import Store

/// Where `embed --follow` has got to: `<table>_progress`, one row per (topic, partition) with
/// the offset the next record to apply has, and the model the rows were embedded with.
///
/// Why a table beside the embeddings rather than the consumer group or the rows' own
/// `source_offset`: each batch writes its vectors, its quarantine rows and these offsets in one
/// transaction, so after a SIGKILL (or a PostgreSQL crash) the offsets say exactly what the
/// table holds — never ahead of a vector, never behind one. `max(source_offset)` cannot say the
/// same: a batch whose texts were all current, superseded or quarantined writes no row but
/// must still move the start on. The consumer group is committed after the transaction, for
/// `backfill lag` and dashboards only; it is never read back while this table has a row.
extension EmbeddingTable {
    public var progressName: String { name + "_progress" }
    public var progress: String { SQL.qualifiedName(schema, progressName) }

    /// Creates `<table>_progress` if missing (after `prepare`, which makes the schema).
    func prepareProgress(_ db: PostgresConnection) throws {
        try db.createIfMissing("""
            create table if not exists \(progress) (
                topic text not null,
                partition integer not null,
                next_offset bigint not null,
                model_name text not null,
                updated_at timestamptz not null default now(),
                primary key (topic, partition)
            )
            """)
    }

    /// The follower's checkpoint for `topic`: per partition the next offset, and the model the
    /// rows were embedded with (nil when nothing was committed yet).
    func readProgress(_ db: PostgresConnection, topic: String) throws -> (ends: [Int32: Int64], model: String?) {
        let result = try db.query("select partition, next_offset, model_name from \(progress) where topic = $1 order by partition",
                                  [.text(topic)])
        var ends: [Int32: Int64] = [:]
        var models = Set<String>()
        for row in 0..<result.rowCount {
            guard let partition = result[row, 0].flatMap({ Int32($0) }), let offset = result[row, 1].flatMap({ Int64($0) }), offset >= 0 else {
                throw EmbeddingsError(.table, "\(schema).\(progressName) holds a row for \(topic) that is not a partition and an offset; it was edited by hand, so where to resume cannot be told")
            }
            ends[partition] = offset
            if let model = result[row, 2] { models.insert(model) }
        }
        guard models.count <= 1 else {
            throw EmbeddingsError(.table, "\(schema).\(progressName) names several models for \(topic) (\(models.sorted().joined(separator: ", "))); it was edited by hand")
        }
        return (ends, models.first)
    }

    /// Records `positions` (partition → next offset) for `topic` in the caller's transaction.
    func writeProgress(_ tx: PostgresConnection, topic: String, positions: [Int32: Int64], model: String) throws {
        guard !positions.isEmpty else { return }
        let partitions = positions.keys.sorted()
        try tx.query("""
            insert into \(progress) as p (topic, partition, next_offset, model_name)
            select $1, partition, next_offset, $4
            from unnest($2::integer[], $3::bigint[]) as u(partition, next_offset)
            on conflict (topic, partition) do update set
                next_offset = excluded.next_offset, model_name = excluded.model_name, updated_at = now()
            where p.next_offset is distinct from excluded.next_offset or p.model_name is distinct from excluded.model_name
            """, [.text(topic), .text("{" + partitions.map(String.init).joined(separator: ",") + "}"),
                  .text("{" + partitions.map { String(positions[$0]!) }.joined(separator: ",") + "}"), .text(model)])
    }

    /// Forgets the checkpoint of `topic` (`--reset-checkpoint`), in the caller's transaction.
    func deleteProgress(_ tx: PostgresConnection, topic: String) throws -> Int {
        try tx.query("delete from \(progress) where topic = $1", [.text(topic)]).affectedRows
    }

    /// Whether any row was embedded with another model than `model`. Scans the table when none
    /// was (no index on model_name), which only happens when the service's model has changed.
    func hasRows(otherThan model: String, _ db: PostgresConnection) throws -> Bool {
        try db.query("select 1 from \(qualified) where model_name <> $1 limit 1", [.text(model)]).rowCount > 0
    }
}
