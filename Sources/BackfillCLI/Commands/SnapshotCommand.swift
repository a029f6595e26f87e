import ArgumentParser
import Backfill
import Display
import Foundation
import Lifestream
import Postgres
import Reconcile
import Snapshot
import Store
import Zstd

/// `backfill snapshot …`: archive tables as zstd COPY files with a manifest, check and restore them.
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Export, verify, list and import table snapshots (zstd COPY files with a manifest).",
        discussion: """
        A snapshot is a folder: one <table>.copy.zst per table (COPY text ordered by primary key, \
        so equal tables give byte-equal files), schema.sql and manifest.json (columns, row counts, \
        sizes, SHA-256 digests, and the Kafka offsets the tables reflect).

        Examples:
          backfill snapshot export --schema lifestream_shadow --out snapshots/s1
          backfill snapshot verify snapshots/s1
          backfill snapshot list --json
          backfill snapshot import snapshots/s1 --schema lifestream_restored
        """,
        subcommands: [Export.self, Import.self, Verify.self, List.self]
    )

    /// Recorded in every manifest.
    static let toolVersion = "0.1.0"
}

extension SnapshotCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write tables of a schema to a new snapshot folder.",
            discussion: """
            The files are written into a hidden .<name>.partial-<n> folder beside the snapshot \
            and renamed into place when all are done, so a folder with a manifest is a finished \
            export; one killed half way leaves the partial folder, which `snapshot list` shows \
            and the nightly removes after a day.

            Examples:
              backfill snapshot export --schema lifestream_shadow
              backfill snapshot export --schema lifestream_shadow --tables links,todos
              backfill snapshot export --schema lifestream_shadow \\
                  --checkpoint snapshots/manifests/latest.json --level 9
            """)

        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "The schema to export.")
        var schema: String

        @Option(parsing: .upToNextOption, help: ArgumentHelp("Tables to export (space- or comma-separated). Default: every table of the schema.", valueName: "table"))
        var tables: [String] = []

        @Option(help: ArgumentHelp("The snapshot folder to create. Default: snapshots/<schema>-<UTC time>.", valueName: "dir"))
        var out: String?

        @Option(help: ArgumentHelp("A backfill run manifest whose ranges' end offsets the tables reflect.", valueName: "manifest.json"))
        var checkpoint: String?

        @Option(help: "zstd compression level.")
        var level: Int32 = 3

        @Option(help: "zstd worker threads (0: compress on the reading thread; 1 overlaps compression with reading).")
        var workers: Int32 = 1

        @Option(help: ArgumentHelp("Connections reading one large table at once, in key ranges of one snapshot, each compressed on its own thread. Default: one per two cores, at most 4.", valueName: "n"))
        var parallel: Int = SnapshotExporter.Options.defaultParallel

        func run() throws {
            let logger = output.makeLogger("snapshot export")
            try reportingErrors {
                let checkpoint = try self.checkpoint.map { try SnapshotManifest.Checkpoint.fromRunManifest(path: $0) }
                let connection = try PostgresConnection.connect(try database.configuration(), applicationName: "backfill snapshot export")
                defer { connection.close() }
                let directory = out ?? "snapshots/\(schema)-\(RunID.compactTime(Date()))"
                var exporter = SnapshotExporter(connection: connection)
                let started = Date()
                exporter.onTableExported = { table in
                    logger.info("exported \(Display.name(table.name)): \(table.rows) rows, \(formatBytes(table.uncompressedBytes)) → \(formatBytes(table.compressedBytes))")
                }
                let manifest = try exporter.export(to: directory, options: .init(
                    schema: schema, tables: splitList(tables), level: level, workers: workers,
                    parallel: parallel, checkpoint: checkpoint, toolVersion: SnapshotCommand.toolVersion))
                if output.json {
                    FileHandle.standardOutput.write(try manifest.encoded())
                } else {
                    let seconds = Date().timeIntervalSince(started)
                    print("Snapshot \(Display.name(directory)): \(manifest.tables.count) tables, \(manifest.totalRows) rows, "
                          + "\(formatBytes(manifest.totalUncompressedBytes)) → \(formatBytes(manifest.totalCompressedBytes)) "
                          + "(ratio \(ratio(manifest.totalUncompressedBytes, manifest.totalCompressedBytes))) in \(String(format: "%.2f", seconds)) s")
                }
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a snapshot into a schema, checking every digest, and swap it in atomically.",
            discussion: """
            The tables are loaded into a new schema and checked before one transaction puts it in \
            place of --schema; any damage or mismatch rolls everything back. With --into-existing \
            the tables are created inside the existing schema instead, leaving its other tables alone.

            The import holds the schema's lock, as every command that writes a schema does: a run, \
            replay or cleanup of it waits, and the import waits for them (--lock-wait, then exit 3). \
            When the schema is a run's target, its state schema is told in the same transaction: \
            the subjects whose rows the snapshot may not match (those with events past the \
            snapshot's checkpoint, or all of them when the snapshot has no checkpoint of that \
            state schema) are refolded by the next run, so its tables are the event log's again.

            Examples:
              backfill snapshot import snapshots/nightly-20261122T020000Z \\
                  --schema lifestream_restored
              backfill snapshot import snapshots/nightly-20261122T020000Z \\
                  --schema lifestream_shadow --replace
              backfill snapshot import snapshots/legacy-20261122T020000Z \\
                  --schema lifestream --into-existing --tables kafka_offsets
            """)

        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: ArgumentHelp("The snapshot folder.", valueName: "dir"))
        var directory: String

        @Option(help: "The schema to import into.")
        var schema: String

        @Option(parsing: .upToNextOption, help: ArgumentHelp("Tables to import (space- or comma-separated). Default: all of the snapshot's.", valueName: "table"))
        var tables: [String] = []

        @Flag(help: "Replace a non-empty schema (or, with --into-existing, existing tables of the same names).")
        var replace = false

        @Flag(help: "Create the tables inside the existing schema instead of swapping in a whole new schema.")
        var intoExisting = false

        @OptionGroup var lock: LockOptions

        func run() throws {
            let logger = output.makeLogger("snapshot import")
            try reportingErrors {
                let configuration = try database.configuration()
                let lease = try WriterLocks.acquire(
                    [WriterLocks.schema(schema)],
                    on: try PostgresConnection.connect(configuration, applicationName: AdvisoryLease.holderName(job: "backfill snapshot import"),
                                                       applicationNameOverridesURL: true),
                    wait: try lock.seconds())
                defer { lease.release() }
                let connection = try PostgresConnection.connect(configuration, applicationName: "backfill snapshot import")
                defer { connection.close() }
                var importer = SnapshotImporter(connection: connection)
                importer.onTableImported = { table in logger.info("loaded \(Display.name(table.name)): \(table.rows) rows, digests match") }
                var marked: [TargetReplacement.Marked] = []
                // A run's target: its state schemas learn, in the import's transaction, what the
                // tables now lack (`TargetReplacement`), so that the next run's tables are right.
                importer.beforeCommit = { [schema, intoExisting] connection, manifest, tables in
                    let names = Set(tables.map(\.name))
                    marked = try TargetReplacement.markStale(
                        target: schema, replacedTables: names,
                        missingTables: !intoExisting && !Set(LifestreamTables.all.map(\.name)).isSubset(of: names),
                        checkpoint: try? Checkpoint.fromSnapshot(manifest, source: "the imported snapshot"), db: connection)
                    try lease.confirm()
                }
                let started = Date()
                let summary = try importer.importSnapshot(from: directory, options: .init(
                    schema: schema, tables: splitList(tables),
                    mode: intoExisting ? .intoExisting(replace: replace) : .swapSchema(replace: replace)))
                let rows = summary.tables.reduce(Int64(0)) { $0 + $1.rows }
                if output.json {
                    FileHandle.standardOutput.write(try jsonData(ImportOutput(snapshot: directory, schema: summary.schema, tables: summary.tables.map(\.name),
                                                                             rows: rows, replacedExisting: summary.replacedExisting)))
                    return
                }
                print("Imported \(Display.name(directory)) into schema \(Display.name(summary.schema)): \(summary.tables.count) tables, \(rows) rows"
                      + "\(summary.replacedExisting ? " (replaced the previous contents)" : "") in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
                for state in marked {
                    print("State schema \(state.stateSchema): \(state.subjects) subjects marked, the next run refolds them, and \(state.readings) sensor readings applied again"
                          + (state.sinceCheckpoint ? " (those past the snapshot's checkpoint)" : " (all of its log: the snapshot has no checkpoint of it, or lacks some of the nine tables)"))
                }
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a snapshot's files against its manifest (digests, sizes, row counts); no database needed.",
            discussion: """
            Exit status: 0 intact, 2 damaged or not a snapshot (each problem on stderr).

            Examples:
              backfill snapshot verify snapshots/nightly-20261122T020000Z
              backfill snapshot verify snapshots/nightly-20261122T020000Z --json
            """)

        @OptionGroup var output: OutputOptions

        @Argument(help: ArgumentHelp("The snapshot folder.", valueName: "dir"))
        var directory: String

        func run() throws {
            _ = output.makeLogger("snapshot verify")
            try reportingErrors {
                let report = try SnapshotVerifier.verify(snapshot: directory)
                if output.json {
                    FileHandle.standardOutput.write(try jsonData(VerifyOutput(report)))
                } else {
                    for (table, problem) in report.tables {
                        print("\(problem == nil ? "ok    " : "FAILED") \(Display.name(table.name)) (\(Display.name(table.file))): \(table.rows) rows, \(formatBytes(table.compressedBytes))")
                    }
                    if report.isValid { print("Snapshot \(Display.name(directory)) is intact.") }
                }
                for problem in report.problems { printErrorLine("\(problem)") }
                if !report.isValid { throw ExitCode(2) }
            }
        }
    }
}

// MARK: JSON shapes of verify and list

private struct VerifyOutput: Encodable {
    struct Table: Encodable {
        var name: String
        var file: String
        var rows: Int64
        var ok: Bool
        var problem: String?
    }
    var snapshot: String
    var valid: Bool
    var tables: [Table]
    var problems: [String]

    init(_ report: SnapshotVerifier.Report) {
        snapshot = report.snapshot
        valid = report.isValid
        tables = report.tables.map { Table(name: $0.table.name, file: $0.table.file, rows: $0.table.rows,
                                           ok: $0.problem == nil, problem: $0.problem.map(String.init(describing:))) }
        problems = report.problems.map(String.init(describing:))
    }
}

private struct ImportOutput: Encodable {
    var snapshot: String
    var schema: String
    var tables: [String]
    var rows: Int64
    var replacedExisting: Bool

    enum CodingKeys: String, CodingKey {
        case snapshot, schema, tables, rows, replacedExisting = "replaced_existing"
    }
}

// MARK: Output helpers

/// Runs a subcommand body: any error becomes `error: <sentence>` on stderr and exit code 2
/// (3 when another command holds the schema's lock).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as WriterLockBusy {
        printErrorLine(error.description)
        throw ExitStatus.locked
    } catch let error as CustomStringConvertible & Error {
        printErrorLine(error.description)
        throw ExitCode(2)
    } catch {
        printErrorLine(error.localizedDescription)
        throw ExitCode(2)
    }
}

/// `--tables a b` and `--tables a,b` both work; nil when none were given.
func splitList(_ values: [String]) -> [String]? {
    let names = values.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    return names.isEmpty ? nil : names
}

func jsonData<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(value) + Data("\n".utf8)
}

/// Decimal units, as `ls -h --si` and the benchmarks: 74.6 MB.
func formatBytes(_ bytes: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000, unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}

func ratio(_ uncompressed: Int64, _ compressed: Int64) -> String {
    compressed > 0 ? String(format: "%.2f", Double(uncompressed) / Double(compressed)) : "-"
}

func alignColumns(_ rows: [[String]]) -> String {
    let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}
