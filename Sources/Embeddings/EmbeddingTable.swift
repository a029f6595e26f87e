import Foundation
import Postgres

/// The pgvector table of the contract (spec/embeddings.md, "Table") and its quarantine table
/// `<table>_quarantine`, in any schema. All SQL about them lives here.
public struct EmbeddingTable: Sendable {
    public var schema: String
    public var name: String

    public init(schema: String = "public", name: String = "text_message_embeddings") {
        self.schema = schema
        self.name = name
    }

    public var qualified: String { SQL.qualifiedName(schema, name) }
    public var quarantineName: String { name + "_quarantine" }
    public var quarantine: String { SQL.qualifiedName(schema, quarantineName) }
    public var indexName: String { name + "_embedding_hnsw" }
    public var display: String { "\(schema).\(name)" }

    /// Every name `prepare` and the index build create must survive PostgreSQL's 63-byte limit
    /// (`SQL.checkIdentifier`); the index name is the longest, so it bounds --table.
    public func checkNames() throws {
        let budget = SQL.maximumIdentifierBytes - "_embedding_hnsw".utf8.count
        let hint = "--table may be at most \(budget) bytes, since its quarantine table and index add a suffix"
        try SQL.checkIdentifier(schema, role: "the embeddings schema")
        try SQL.checkIdentifier(name, role: "the embeddings table", hint: hint)
        try SQL.checkIdentifier(quarantineName, role: "the embeddings quarantine table <table>_quarantine", hint: hint)
        try SQL.checkIdentifier(indexName, role: "the embeddings HNSW index <table>_embedding_hnsw", hint: hint)
    }

    /// pgvector, the schema, the table (with the service's dimension) and the quarantine table,
    /// each only if missing. An existing table keeps its dimension: `checkDimension` compares.
    public func prepare(_ db: PostgresConnection, dimension: Int) throws {
        try db.execute("set client_min_messages = warning")
        let installed = try db.query("select 1 from pg_extension where extname = 'vector'").rowCount > 0
        if !installed {
            do {
                try db.createIfMissing("create extension if not exists vector")
            } catch let error as PostgresError {
                throw EmbeddingsError(.table, "the pgvector extension is not installed in this database and could not be created (\(error.message)); install pgvector on the server and run `create extension vector` as a superuser")
            }
        }
        // Two embeds into tables of one new schema may create it at once: createIfMissing.
        try db.createIfMissing("""
            create schema if not exists \(SQL.quoteIdentifier(schema));
            create table if not exists \(qualified) (
                id text primary key,
                text text not null,
                model_name text not null,
                embedding vector(\(dimension)) not null,
                source_partition integer,
                source_offset bigint,
                embedded_at timestamptz not null default now()
            );
            create table if not exists \(quarantine) (
                topic text not null,
                partition integer not null,
                "offset" bigint not null,
                key bytea,
                value bytea,
                reason text not null,
                record_timestamp timestamptz,
                quarantined_at timestamptz not null default now(),
                primary key (topic, partition, "offset")
            )
            """)
    }

    /// The `n` of the table's `embedding vector(n)`; a clear error when it is not the service's.
    public func checkDimension(_ db: PostgresConnection, service: ServiceHealth, serviceName: String) throws {
        let result = try db.query("""
            select format_type(a.atttypid, a.atttypmod), a.atttypmod, t.typname
            from pg_attribute a join pg_type t on t.oid = a.atttypid
            where a.attrelid = to_regclass($1) and a.attname = 'embedding' and not a.attisdropped
            """, [.text(qualified)])
        guard result.rowCount == 1 else {
            throw EmbeddingsError(.table, "the table \(display) has no column 'embedding'; it is not an embeddings table of the contract")
        }
        guard result[0, 2] == "vector" else {
            throw EmbeddingsError(.table, "the column \(display).embedding is \(result[0, 0] ?? "?"), not a pgvector vector(n)")
        }
        let dimension = Int(result[0, 1] ?? "") ?? -1
        guard dimension == service.dimension else {
            let has = dimension > 0 ? "vector(\(dimension))" : "vector without a fixed dimension"
            throw EmbeddingsError(.table, "the table \(display) stores \(has) but the service at \(serviceName) (model \(service.model)) produces \(service.dimension) dimensions; embed into another --table, or drop the table to re-create it")
        }
    }

    // MARK: Staging

    /// Staging tables live for one transaction (`ON COMMIT DROP`) and every setting is `SET LOCAL`:
    /// through a transaction-mode pooler the next transaction may run on another server
    /// connection, where session objects would be missing and session settings would leak to
    /// other clients.
    private func createStaging(_ tx: PostgresConnection, vectors dimension: Int?) throws {
        var statements = ["""
            create temp table embed_quarantine_staging (
                topic text, partition integer, "offset" bigint, key bytea, value bytea, reason text, record_ms bigint
            ) on commit drop
            """]
        if let dimension {
            statements.append("""
                create temp table embed_staging (
                    id text, text text, model_name text, embedding vector(\(dimension)),
                    source_partition integer, source_offset bigint
                ) on commit drop
                """)
        }
        try tx.execute(statements.joined(separator: ";\n"))
    }

    /// Of `messages` (one per id), those that are not current: missing, or with another text or
    /// model. Returned in (partition, offset) order.
    func notCurrent(_ db: PostgresConnection, messages: [TextMessage], model: String) throws -> [TextMessage] {
        try db.transaction { db in
        try db.execute("""
            create temp table embed_candidates (id text primary key, text text, partition integer, "offset" bigint) on commit drop
            """)
        _ = try db.copyIn("copy embed_candidates from stdin (format binary)") { w in
            w.binaryHeader()
            for message in messages {
                w.binaryRow(fields: 4)
                w.binary(message.id)
                w.binary(message.text)
                w.binary(int32: message.partition)
                w.binary(int64: message.offset)
            }
            w.binaryTrailer()
        }
        let result = try db.query("""
            select c.id from embed_candidates c left join \(qualified) t on t.id = c.id
            where t.id is null or t.text is distinct from c.text or t.model_name is distinct from $1
            """, [.text(model)])
        var wanted = Set<String>(minimumCapacity: result.rowCount)
        for row in 0..<result.rowCount { wanted.insert(result[row, 0]!) }
        return messages.filter { wanted.contains($0.id) }
        }
    }

    // MARK: Writes

    /// One batch in one transaction: COPY into staging, one upsert, the batch's quarantined
    /// texts, and — for the follower — where the next batch starts (`<table>_progress`), so the
    /// checkpoint can never be ahead of or behind the rows. A newer record of the same partition
    /// already stored (the streaming job was faster) is not overwritten.
    func write(_ db: PostgresConnection, vectors: [(TextMessage, [Float])], model: String, quarantined: [QuarantinedRecord],
               progress: (topic: String, positions: [Int32: Int64])? = nil) throws -> Int {
        try db.transaction { tx in
            // A commit lost to a server crash only means those rows get embedded again next run.
            try tx.execute("set local synchronous_commit = off")
            try createStaging(tx, vectors: vectors.first?.1.count)
            var written = 0
            if !vectors.isEmpty {
                _ = try tx.copyIn("copy embed_staging from stdin (format binary)") { w in
                    w.binaryHeader()
                    for (message, vector) in vectors {
                        w.binaryRow(fields: 6)
                        w.binary(message.id)
                        w.binary(message.text)
                        w.binary(model)
                        w.binary(vector: vector)
                        w.binary(int32: message.partition)
                        w.binary(int64: message.offset)
                    }
                    w.binaryTrailer()
                }
                written = try tx.query("""
                    insert into \(qualified) as t (id, text, model_name, embedding, source_partition, source_offset)
                    select id, text, model_name, embedding, source_partition, source_offset from embed_staging
                    on conflict (id) do update set
                        text = excluded.text, model_name = excluded.model_name, embedding = excluded.embedding,
                        source_partition = excluded.source_partition, source_offset = excluded.source_offset,
                        embedded_at = now()
                    where t.source_partition is distinct from excluded.source_partition
                       or t.source_offset is null or t.source_offset <= excluded.source_offset
                    """).affectedRows
            }
            try insertQuarantine(tx, quarantined, staged: true)
            if let progress { try writeProgress(tx, topic: progress.topic, positions: progress.positions, model: model) }
            return written
        }
    }

    /// Adds quarantine rows in the caller's transaction; a record already quarantined (an
    /// earlier run) stays as it was.
    func insertQuarantine(_ db: PostgresConnection, _ records: [QuarantinedRecord], staged: Bool = false) throws {
        guard !records.isEmpty else { return }
        if !staged { try createStaging(db, vectors: nil) }
        _ = try db.copyIn("copy embed_quarantine_staging from stdin (format binary)") { w in
            w.binaryHeader()
            for record in records {
                w.binaryRow(fields: 7)
                w.binary(record.topic)
                w.binary(int32: record.partition)
                w.binary(int64: record.offset)
                w.binary(bytes: record.key)
                w.binary(bytes: record.value)
                w.binary(record.reason)
                if let timestamp = record.timestamp { w.binary(int64: timestamp) } else { w.binaryNull() }
            }
            w.binaryTrailer()
        }
        try db.query("""
            insert into \(quarantine) (topic, partition, "offset", key, value, reason, record_timestamp)
            select topic, partition, "offset", key, value, reason, to_timestamp(record_ms / 1000.0) from embed_quarantine_staging
            on conflict do nothing
            """)
    }

    /// The HNSW index for cosine distance (`<=>`), built after the load because building it once is
    /// far cheaper than maintaining it row by row. `maintenance_work_mem` is sized so the graph
    /// fits in memory (pgvector builds much slower once it does not), within 64 MB … 2 GB.
    func buildIndex(_ db: PostgresConnection, dimension: Int) throws -> String {
        let rows = Int64(try db.query("select count(*) from \(qualified)").scalar ?? "0") ?? 0
        let estimate = rows * Int64(dimension * 4 + 160) * 3 / 2
        let megabytes = min(2048, max(64, estimate >> 20))
        try db.transaction { tx in
            try tx.execute("set local maintenance_work_mem = '\(megabytes)MB'")
            try tx.execute("create index if not exists \(SQL.quoteIdentifier(indexName)) on \(qualified) using hnsw (embedding vector_cosine_ops)")
        }
        return "\(megabytes)MB"
    }
}
