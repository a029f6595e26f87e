import ArgumentParser
import Backfill
import Display
import Foundation

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Emulate the live materializer into a schema (arrival order, no event-time guard).",
        discussion: """
        Reads the range like `run` does, then applies every record in offset order as an upsert \
        of the columns its event writes — exactly what the live Flink job does — skipping and \
        counting statements that break a NOT NULL constraint. The nine tables of the target \
        schema are replaced in one transaction. Use it to make realistic "live" tables for a \
        demo or a diff test; to rebuild correctly use `backfill run`.

        It holds the target schema's lock, as every command that writes a schema does (see \
        `backfill run --help`). When a state schema belongs to the target (a repair run with \
        --target-schema on it), its subjects are marked so that the next run refolds them all: \
        the replayed tables are no longer what its event log says.

        Example:
          backfill replay --order arrival --from-beginning \\
              --target-schema lifestream --legacy-tables
        """
    )

    enum Order: String, ExpressibleByArgument { case arrival }

    @Option(help: "Only 'arrival' (the live job's order); `backfill run` is the event-order rebuild.")
    var order: Order = .arrival

    @OptionGroup var config: ConfigOptions
    @OptionGroup var bounds: BoundsOptions
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var lock: LockOptions

    @Option(help: "Schema to write the emulated live tables to.")
    var targetSchema = "lifestream"

    @Flag(help: "Also write the older materializer's event_ingest_dedupe and kafka_offsets tables.")
    var legacyTables = false

    @Option(help: "Consumer group recorded in kafka_offsets with --legacy-tables.")
    var legacyGroup = "materializer-v1"

    func validate() throws { try bounds.requireStart() }

    func run() throws {
        do {
            let replay = LiveReplay(kafka: try kafka.configuration(), postgres: try database.configuration(), logger: output.makeLogger("replay"))
            let summary = try replay.run(topic: kafka.topic, bounds: try bounds.bounds(), target: .init(name: targetSchema),
                                         legacyTables: legacyTables, legacyGroup: legacyGroup, lockWait: try lock.seconds())
            if output.json {
                let object: [String: Any] = [
                    "records": summary.records, "invalid_records": summary.invalidRecords,
                    "applied_statements": summary.appliedStatements, "skipped_statements": summary.skippedStatements,
                    "skipped_by_table": summary.skippedByTable, "rows": summary.rows, "schema": targetSchema,
                    "refold_next_run": Dictionary(uniqueKeysWithValues: summary.marked.map { ($0.stateSchema, $0.subjects) }),
                ]
                printJSON(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]))
            } else {
                print("replayed \(summary.records) records into \(Display.name(targetSchema)) in arrival order: \(summary.appliedStatements) upserts applied, \(summary.skippedStatements) skipped on NOT NULL violations, \(summary.invalidRecords) invalid records ignored")
                for (table, n) in summary.skippedByTable.sorted(by: { $0.key < $1.key }) { print("  skipped in \(table): \(n)") }
                for marked in summary.marked {
                    print("  state schema \(marked.stateSchema): \(marked.subjects) subjects marked, the next run refolds them; \(marked.readings) sensor readings applied again")
                }
            }
        } catch {
            throw fail(error)
        }
    }
}
