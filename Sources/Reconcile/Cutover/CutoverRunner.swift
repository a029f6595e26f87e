import Foundation
import Kafka
import Lifestream
import Postgres

/// What a cutover report looks at and judges against.
public struct CutoverRequest: Sendable {
    /// The table diff (its `left` is the live schema, where the legacy tables are too).
    public var diff: DiffRequest
    public var topic: String
    /// Groups whose lag is shown, in this order (the live group is added when missing).
    public var groups: [String]
    /// The live job's group: the lag threshold and the legacy offsets are judged on it.
    public var liveGroup: String
    public var maxLag: Int64
    /// The run the right side's tables came from, when its manifest is known.
    public var run: RunReference?
    /// Where the run manifest was looked for (shown when there is none).
    public var runManifestPath: String?

    public init(diff: DiffRequest, topic: String, groups: [String], liveGroup: String, maxLag: Int64,
                run: RunReference? = nil, runManifestPath: String? = nil) {
        self.diff = diff
        self.topic = topic
        self.groups = groups
        self.liveGroup = liveGroup
        self.maxLag = maxLag
        self.run = run
        self.runManifestPath = runManifestPath
    }

    var allGroups: [String] {
        var seen = Set<String>()
        return (groups + [liveGroup]).filter { seen.insert($0).inserted }
    }
}

/// Gathers a cutover report: lag from Kafka, the diff (with causes) from PostgreSQL, the legacy
/// tables of the live schema; the verdict is `CutoverReport`'s pure judgement.
public enum CutoverRunner {
    public static func run(_ request: CutoverRequest, admin: KafkaAdmin, now: Date = Date()) throws -> CutoverReport {
        guard request.maxLag >= 0 else {
            throw ReconcileError(code: .invalidOption, message: "the lag threshold must be 0 or more, not \(request.maxLag)")
        }
        let started = ContinuousClock.now
        let lag = try LagReader.read(admin: admin, topic: request.topic, groups: request.allGroups, now: now)
        let diff = try DiffRunner.run(request.diff, now: now)
        let legacy = try readLegacy(request, lag: lag)
        var reproduction = Reproduction(commands: CutoverCommands.make(request), run: request.run)
        if let run = request.run, run.targetSchema != request.diff.right.schema {
            reproduction.note = "the run manifest \(run.manifest) is of run \(run.runID) into schema \(run.targetSchema), "
                + "not of the right side \(request.diff.right.schema): its offsets may not be the right side's"
        } else if request.run == nil {
            reproduction.note = "no run manifest found" + (request.runManifestPath.map { " at \($0)" } ?? "")
                + ": the right side's offsets are unknown"
        }
        return CutoverReport(generatedAt: now, topic: request.topic, liveGroup: request.liveGroup,
                             thresholds: CutoverThresholds(maxDiffRows: request.diff.maxDiffRows, maxLag: request.maxLag),
                             lag: lag, diff: diff, legacy: legacy, reproduce: reproduction,
                             durationMilliseconds: started.elapsedMilliseconds)
    }

    /// `event_ingest_dedupe` and `kafka_offsets` of the left (live) schema: presence, row
    /// counts, and the offsets of the report's topic next to the live group's.
    static func readLegacy(_ request: CutoverRequest, lag: LagReport) throws -> LegacyState {
        let schema = request.diff.left.schema
        let connection = try PostgresConnection.connect(request.diff.left.configuration, applicationName: "backfill-cutover")
        defer { connection.close() }
        func state(_ table: String) throws -> LegacyTableState {
            let found = try connection.query("""
                SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
                """, [.text(schema), .text(table)])
            guard found.rowCount == 1 else { return LegacyTableState(name: table, exists: false, rows: nil) }
            let count = try connection.query("SELECT count(*) FROM \(SQLName.qualified(schema, table))")
            return LegacyTableState(name: table, exists: true, rows: count.scalar.flatMap { Int64($0) })
        }
        let dedupe = try state(LifestreamTables.legacyDedupe.name)
        let offsets = try state(LifestreamTables.legacyOffsets.name)
        var rows: [LegacyOffset] = []
        var note: String?
        if offsets.exists {
            do {
                let result = try connection.query("""
                    SELECT consumer_group, partition, "offset" FROM \(SQLName.qualified(schema, "kafka_offsets"))
                    WHERE topic = $1 ORDER BY consumer_group COLLATE "C", partition
                    """, [.text(request.topic)])
                for row in result {
                    let partition = Int32(row[1] ?? "") ?? -1
                    let live = lag.partitions.first { $0.partition == partition }?.position(request.liveGroup)?.committed
                    rows.append(LegacyOffset(consumerGroup: row[0] ?? "", partition: partition,
                                             offset: row[2].flatMap { Int64($0) }, liveCommitted: live))
                }
            } catch let error as PostgresError where error.sqlState?.hasPrefix("42") == true {
                note = "\(schema).kafka_offsets could not be read as (consumer_group, topic, partition, offset): \(error.message)"
            }
        }
        return LegacyState(schema: schema, dedupe: dedupe, offsets: offsets, offsetRows: rows, note: note)
    }
}

/// The commands that reproduce a cutover report, without connection strings.
public enum CutoverCommands {
    public static func make(_ request: CutoverRequest) -> [String] {
        let diff = request.diff
        let groups = request.allGroups.flatMap { ["--group", quote($0)] }
        var compare = ["--left", quote(diff.left.schema), "--right", quote(diff.right.schema)]
        if diff.left.configuration.url != diff.right.configuration.url {
            compare += ["--left-url", "\"$LEFT_DATABASE_URL\"", "--right-url", "\"$RIGHT_DATABASE_URL\""]
        }
        if diff.tables != TableSpec.lifestream { compare += ["--tables", quote(diff.tables.map(\.name).joined(separator: ","))] }
        if let state = diff.stateSchema { compare += ["--state-schema", quote(state)] } else { compare.append("--no-causes") }
        if let rules = diff.rules { compare += ["--rules", quote(rules.file)] }
        // Under a rules file an explicit --max-diff-rows overrides its [other] limit: repeat it only if it was given.
        if diff.rules == nil || diff.maxDiffRowsSource != nil { compare += ["--max-diff-rows", String(diff.maxDiffRows)] }
        var commands = [
            (["backfill", "cutover-report", "--topic", quote(request.topic)] + groups
                + ["--live-group", quote(request.liveGroup)] + compare
                + ["--max-lag", String(request.maxLag)]).joined(separator: " "),
            (["backfill", "lag", "--topic", quote(request.topic)] + groups).joined(separator: " "),
            (["backfill", "diff"] + compare).joined(separator: " "),
        ]
        if let run = request.run {
            commands.append("backfill plan --after \(quote(run.manifest)) --topic \(quote(run.topic))")
        }
        return commands
    }

    /// Shell-safe: plain words as they are, anything else in single quotes.
    static func quote(_ word: String) -> String {
        let plain = !word.isEmpty && word.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_./:=,@".unicodeScalars.contains($0)
        }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
