import Redaction

/// Which PostgreSQL `backfill embed` writes to, and where that was said.
///
/// In order: `--database-url`; BACKFILL_EMBED_DATABASE_URL; the embedding job's PGVECTOR_HOST,
/// PGVECTOR_PORT, PGVECTOR_DB, PGVECTOR_USER and PGVECTOR_PASSWORD composed into a libpq
/// conninfo (so the seed's `.env` works unchanged); DATABASE_URL. The seed's PGVECTOR_* come
/// before DATABASE_URL on purpose: where both are set, DATABASE_URL is the lifestream database
/// of the other seed, and the embeddings belong where the embedding job writes them.
///
/// A part PGVECTOR_* leaves out falls to libpq's own default (PGPORT, PGDATABASE, …, else port
/// 5432 and the user's name), as it would for the seed's job.
public struct EmbedDatabase: Sendable, Equatable {
    /// A URL or conninfo for libpq; holds the password (print `display`).
    public var url: String
    /// Where it came from: `--database-url`, `BACKFILL_EMBED_DATABASE_URL (.env)`,
    /// `PGVECTOR_HOST, PGVECTOR_DB, PGVECTOR_USER, PGVECTOR_PASSWORD (.env)`, `DATABASE_URL (env)`.
    public var source: String
    /// True when composed from PGVECTOR_*.
    public var composed: Bool

    /// The connection string as it may be shown: password masked.
    public var display: String { Redactor.connectionString(url) }

    public static let parts: [(key: SettingKey, keyword: String)] = [
        (.pgvectorHost, "host"), (.pgvectorPort, "port"), (.pgvectorDatabase, "dbname"), (.pgvectorUser, "user"), (.pgvectorPassword, "password"),
    ]

    /// nil when none of the four is set: `embed` then says how to give a database.
    public static func resolve(_ layers: SettingLayers, flag: String?) -> EmbedDatabase? {
        if let flag { return EmbedDatabase(url: flag, source: "--database-url", composed: false) }
        if let own = layers.resolve(SettingKey.embedDatabaseURL.name) {
            return EmbedDatabase(url: own.value, source: "\(own.key) (\(own.whence))", composed: false)
        }
        let set = parts.compactMap { part in layers.resolve(part.key.name).map { (part, $0) } }
        if !set.isEmpty {
            let conninfo = set.map { "\($0.0.keyword)=\(quote($0.1.value))" }.joined(separator: " ")
            let whence = Array(Set(set.map { $0.1.whence })).sorted().joined(separator: ", ")
            return EmbedDatabase(url: conninfo, source: "\(set.map(\.1.key).joined(separator: ", ")) (\(whence))", composed: true)
        }
        if let general = layers.resolve(SettingKey.databaseURL.name) {
            return EmbedDatabase(url: general.value, source: "\(general.key) (\(general.whence))", composed: false)
        }
        return nil
    }

    /// A conninfo value in single quotes, with `\` and `'` escaped as libpq reads them.
    static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
