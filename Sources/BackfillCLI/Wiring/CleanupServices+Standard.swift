import Foundation
import LegacyCleanup
import Postgres
import Reconcile
import Snapshot
import Store

extension CleanupServices {
    /// The cleanup judged by `backfill diff`'s engine and archived by `backfill snapshot export`'s
    /// exporter, against the database of `postgres`.
    static func standard(postgres: PostgresConfiguration, toolVersion: String) -> CleanupServices {
        CleanupServices(
            diff: { live, shadow, maxDiffRows, now in
                let report = try DiffRunner.run(DiffRequest(
                    left: DiffSide(configuration: postgres, schema: live), right: DiffSide(configuration: postgres, schema: shadow),
                    sampleLimit: 0, stateSchema: nil, maxDiffRows: maxDiffRows), now: now)
                return FreshDiff(verdict: report.verdict.rawValue, differences: report.totals.differences,
                                 leftRows: report.totals.leftRows, rightRows: report.totals.rightRows,
                                 tables: report.tables.filter { $0.differences > 0 }.map { "\($0.name): \($0.differences)" })
            },
            export: { connection, schema, tables, directory in
                try SnapshotExporter(connection: connection).export(to: directory, options: .init(
                    schema: schema, tables: tables, toolVersion: toolVersion))
            })
    }
}
