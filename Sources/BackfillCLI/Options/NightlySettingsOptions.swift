import ArgumentParser
import Backfill
import Foundation
import Operations
import Store

/// The nightly job's settings as flags; each also comes from the config file or environment
/// under its BACKFILL_* name (see `SettingKey`), flags winning.
struct NightlySettingsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Schema of the live tables, the diff's left side. Default: $BACKFILL_LIVE_SCHEMA, else lifestream.", valueName: "schema"))
    var liveSchema: String?

    @Option(help: ArgumentHelp("Schema the nightly rebuilds into, the diff's right side. Default: $BACKFILL_SHADOW_SCHEMA, else lifestream_shadow.", valueName: "schema"))
    var shadowSchema: String?

    @Option(help: ArgumentHelp("The shadow's event log and progress. Default: $BACKFILL_STATE_SCHEMA, else <shadow>_backfill.", valueName: "schema"))
    var stateSchema: String?

    @Option(help: ArgumentHelp("Run manifests; latest.json there is where the next night starts. Default: snapshots/manifests.", valueName: "dir"))
    var manifestDir: String?

    @Option(help: ArgumentHelp("Where --snapshot writes nightly-<time> folders. Default: snapshots.", valueName: "dir"))
    var snapshotsDir: String?

    @Option(help: ArgumentHelp("Diff reports and nightly summaries. Default: reports.", valueName: "dir"))
    var reportsDir: String?

    @Option(help: ArgumentHelp("Prometheus textfile, written atomically. Default: <reports-dir>/backfill.prom.", valueName: "file"))
    var metricsFile: String?

    @Option(help: ArgumentHelp("Retention: prune nightly snapshots, reports and run manifests older than this many days.", valueName: "days"))
    var keepDays: Int?

    @Option(help: ArgumentHelp("Retention: always keep the newest N of each kind (with --keep-days, an item goes only when both say so).", valueName: "n"))
    var keep: Int?

    @Option(help: ArgumentHelp("Differing rows tolerated before the night counts as diverged. Default: 0.", valueName: "rows"))
    var maxDiffRows: Int?

    @Option(help: ArgumentHelp("incremental: diff only the subjects with records since the last verified point, and those that differed there; full: every row. Default: $BACKFILL_DIFF, else incremental.", valueName: "incremental|full"))
    var diff: String?

    @Option(name: .customLong("full-every"), help: ArgumentHelp("With --diff incremental, run a full diff anyway when the last one is this old (7d, 36h, 2w; 0 every night; never). A full diff also runs when there is no verified point. Default: $BACKFILL_FULL_EVERY, else 7d.", valueName: "span"))
    var fullEvery: String?

    func validate() throws {
        do {
            if let diff { _ = try DiffPolicy.mode(diff, origin: "--diff") }
            if let fullEvery { _ = try DiffPolicy.interval(fullEvery, origin: "--full-every") }
        } catch let error as OperationsError {
            throw ValidationError(error.message)
        }
        if let keepDays, keepDays < 0 { throw ValidationError("--keep-days must be 0 or more") }
        if let keep, keep < 1 { throw ValidationError("--keep must be 1 or more") }
        if let maxDiffRows, maxDiffRows < 0 { throw ValidationError("--max-diff-rows must be 0 or more") }
    }

    /// The flags given, keyed by setting name.
    var flagValues: [String: String] {
        var values: [String: String] = [:]
        values[SettingKey.liveSchema.name] = liveSchema
        values[SettingKey.shadowSchema.name] = shadowSchema
        values[SettingKey.stateSchema.name] = stateSchema
        values[SettingKey.manifestDir.name] = manifestDir
        values[SettingKey.snapshotsDir.name] = snapshotsDir
        values[SettingKey.reportsDir.name] = reportsDir
        values[SettingKey.metricsFile.name] = metricsFile
        values[SettingKey.keepDays.name] = keepDays.map(String.init)
        values[SettingKey.keep.name] = keep.map(String.init)
        values[SettingKey.maxDiffRows.name] = maxDiffRows.map(String.init)
        values[SettingKey.diff.name] = diff
        values[SettingKey.fullEvery.name] = fullEvery
        return values
    }
}

/// Every setting with its source: the layers of `Environment` plus the command's flags.
struct EffectiveSettings {
    let layers: SettingLayers

    init(database: DatabaseOptions, kafka: KafkaOptions, nightly: NightlySettingsOptions?) throws {
        var layers = try Environment.layers()
        var flags = nightly?.flagValues ?? [:]
        flags[SettingKey.databaseURL.name] = database.databaseURL
        flags[SettingKey.kafkaBrokers.name] = kafka.brokers
        flags[SettingKey.topic.name] = kafka.topicFlag
        layers.add(.flag, flags)
        self.layers = layers
    }

    func string(_ key: SettingKey) -> String? { layers.value(key) }

    /// A whole number, or an error naming the setting and where it was set.
    func integer(_ key: SettingKey, minimum: Int) throws -> Int? {
        guard let setting = layers.resolve(key.name) else { return nil }
        guard let number = Int(setting.value.trimmingCharacters(in: .whitespaces)), number >= minimum else {
            throw OperationsError(.configuration, "\(key.name) must be a whole number of at least \(minimum), not '\(setting.value)' (from \(setting.origin ?? setting.source.rawValue))")
        }
        return number
    }

    /// Where `key` was set when it was set at all (not its default): `--max-diff-rows`,
    /// `BACKFILL_MAX_DIFF_ROWS in backfill.conf:7`, … ; nil for the default.
    func explicitSource(_ key: SettingKey) -> String? {
        guard let resolved = layers.resolve(key.name), resolved.source != .default else { return nil }
        if resolved.source == .flag, let flag = key.flag { return flag }
        return "\(key.name) in \(resolved.origin ?? resolved.source.rawValue)"
    }

    /// `--diff` and `--full-every` (or their settings), checked, the error naming where each was set.
    func diffPolicy() throws -> DiffPolicy {
        func origin(_ key: SettingKey) -> String {
            guard let resolved = layers.resolve(key.name) else { return key.name }
            return resolved.source == .flag ? (key.flag ?? key.name) : "\(key.name) (from \(resolved.origin ?? resolved.source.rawValue))"
        }
        return DiffPolicy(mode: try DiffPolicy.mode(string(.diff) ?? "incremental", origin: origin(.diff)),
                          fullEvery: try DiffPolicy.interval(string(.fullEvery) ?? "7d", origin: origin(.fullEvery)))
    }

    var liveSchema: String { string(.liveSchema)! }
    var shadowSchema: String { string(.shadowSchema)! }
    var stateSchema: String { string(.stateSchema) ?? StateSchema.defaultName(forTarget: shadowSchema) }
    var topic: String { string(.topic)! }
    var manifestDir: String { string(.manifestDir)! }
    var snapshotsDir: String { string(.snapshotsDir)! }
    var reportsDir: String { string(.reportsDir)! }
    var metricsFile: String { string(.metricsFile) ?? (reportsDir as NSString).appendingPathComponent("backfill.prom") }
}
