import Foundation
import Operations
import Synchronization

/// Settings in layers, lowest precedence first: the config file (`--config`, else
/// $BACKFILL_CONFIG, else `./backfill.conf` if present) < `.env` of the working directory <
/// the process environment < flags (each command adds its own flags on top).
enum Environment {
    /// What one process decides once: the `--config` path, and the layers read from it.
    private struct State {
        var configPathFlag: String?
        var cached: SettingLayers?
    }

    /// A process-wide value (the commands read settings from wherever they run), so behind a lock.
    private static let state = Mutex(State())

    /// Set by `--config` (`ConfigOptions.validate`) before a command reads any setting.
    static var configPathFlag: String? {
        get { state.withLock { $0.configPathFlag } }
        set { state.withLock { $0.configPathFlag = newValue } }
    }

    /// Which config file is in effect and why; nil when there is none.
    static func configFile(environment: [String: String] = ProcessInfo.processInfo.environment, dotEnv: [String: String] = [:]) -> (path: String, required: Bool)? {
        if let path = configPathFlag { return (path, true) }
        if let path = environment[SettingKey.configPathVariable] ?? dotEnv[SettingKey.configPathVariable], !path.isEmpty { return (path, true) }
        if FileManager.default.fileExists(atPath: SettingKey.defaultConfigPath) { return (SettingKey.defaultConfigPath, false) }
        return nil
    }

    /// Config file, `.env` and environment as layers (read once per process). A config file
    /// that was asked for but is missing, or that has a line the parser does not accept, is an error.
    static func layers(dotEnvPath: String = ".env") throws -> SettingLayers {
        if let cached = state.withLock({ $0.cached }) { return cached }
        let environment = ProcessInfo.processInfo.environment
        let dotEnv = DotEnv.load(path: dotEnvPath)
        var layers = SettingLayers()
        if let (path, required) = configFile(environment: environment, dotEnv: dotEnv) {
            guard let entries = try KeyValueFile.load(path: path, strict: true) else {
                if required { throw OperationsError(.configuration, "the config file \(path) does not exist (named by \(configPathFlag != nil ? "--config" : SettingKey.configPathVariable))") }
                return layers
            }
            let file = try SettingLayers.fileLayer(entries, path: path)
            layers.add(.file, file.values, origins: file.origins)
        }
        layers.add(.dotEnv, dotEnv, origins: dotEnv.mapValues { _ in dotEnvPath })
        layers.add(.environment, environment)
        state.withLock { $0.cached = layers }
        return layers
    }

    /// Every layer merged (no flags, no defaults): what `KafkaConfiguration.fromEnvironment`
    /// and `PostgresConfiguration.fromEnvironment` read.
    static func merged() throws -> [String: String] {
        try layers().merged
    }

    /// One setting from the layers, or its default.
    static func value(_ key: SettingKey) throws -> String? {
        try layers().value(key)
    }
}

/// `.env` as the seeds write it, read with the config file's parser in lenient mode.
enum DotEnv {
    static func load(path: String) -> [String: String] {
        guard let entries = try? KeyValueFile.load(path: path, strict: false) else { return [:] }
        var values: [String: String] = [:]
        for entry in entries { values[entry.key] = entry.value }
        return values
    }
}
