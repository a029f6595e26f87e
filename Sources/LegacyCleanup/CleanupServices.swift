import Foundation
import Postgres
import Store

/// What a cleanup asks of the features beside it: a diff of the live tables against the rebuild,
/// and a snapshot export. LegacyCleanup depends on Store alone; its caller gives it these (the
/// CLI wires `backfill diff`'s engine and `backfill snapshot export`'s exporter), so a cleanup
/// judges and archives exactly as those commands do.
public struct CleanupServices: Sendable {
    /// Diffs the nine tables of `live` against `shadow` (no cause analysis, no samples), judged
    /// against `maxDiffRows`.
    public var diff: @Sendable (_ live: String, _ shadow: String, _ maxDiffRows: Int, _ now: Date) throws -> FreshDiff
    /// Exports `tables` of `schema`, read on `connection`, as a snapshot folder at `directory`.
    public var export: @Sendable (_ connection: PostgresConnection, _ schema: String, _ tables: [String], _ directory: String) throws -> SnapshotManifest

    public init(diff: @escaping @Sendable (_ live: String, _ shadow: String, _ maxDiffRows: Int, _ now: Date) throws -> FreshDiff,
                export: @escaping @Sendable (_ connection: PostgresConnection, _ schema: String, _ tables: [String], _ directory: String) throws -> SnapshotManifest) {
        self.diff = diff
        self.export = export
    }
}
