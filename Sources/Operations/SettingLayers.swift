import Foundation
import Redaction

/// Where a setting's value came from, lowest precedence first: file < .env < environment < flag.
public enum SettingSource: String, Sendable, Codable, Comparable {
    case `default`, file, dotEnv = ".env", environment = "env", flag

    private var rank: Int {
        switch self {
        case .default: 0
        case .file: 1
        case .dotEnv: 2
        case .environment: 3
        case .flag: 4
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// One resolved setting: its value and the layer it came from.
public struct ResolvedSetting: Sendable, Equatable {
    public var key: String
    public var value: String
    public var source: SettingSource
    /// The config file's path and line, when it came from there.
    public var origin: String?
    /// The alias it was read under (`KAFKA_BOOTSTRAP_SERVERS` for `KAFKA_BROKERS`); nil when
    /// it was set under its own name.
    public var alias: String?

    public init(key: String, value: String, source: SettingSource, origin: String?, alias: String? = nil) {
        self.key = key
        self.value = value
        self.source = source
        self.origin = origin
        self.alias = alias
    }

    /// Where it was set, as `config check` and error sentences say it: `.env`,
    /// `backfill.conf:7`, `env as KAFKA_BOOTSTRAP_SERVERS`.
    public var whence: String {
        (origin ?? source.rawValue) + (alias.map { " as \($0)" } ?? "")
    }
}

/// The layers of configuration, merged by precedence: config file < `.env` < process
/// environment < command-line flags. Pure: the caller reads the files and the environment.
public struct SettingLayers: Sendable {
    public private(set) var layers: [(source: SettingSource, values: [String: String], origins: [String: String])] = []

    public init() {}

    /// Adds a layer; a later layer of higher precedence wins. Empty values count as unset, as
    /// they do for the seeds' `.env`, so `KAFKA_SASL_USERNAME=` does not switch on SASL.
    public mutating func add(_ source: SettingSource, _ values: [String: String], origins: [String: String] = [:]) {
        layers.append((source, values.filter { !$0.value.isEmpty }, origins))
        layers.sort { $0.source < $1.source }
    }

    /// The winning value of `key`, or its default, or nil. The own name wins in any layer over
    /// an alias in any layer (so a seed's `.env` never overrides what the tool's own settings
    /// say, wherever those are); among aliases, the highest layer, then the first alias listed.
    public func resolve(_ key: String) -> ResolvedSetting? {
        if let own = lookUp(key) { return own }
        for alias in SettingKey.named(key)?.aliases ?? [] {
            if let found = lookUp(alias, as: key) { return found }
        }
        if let fallback = SettingKey.named(key)?.defaultValue {
            return ResolvedSetting(key: key, value: fallback, source: .default, origin: nil)
        }
        return nil
    }

    /// The aliases of `key` that are set but lose to the own name or an earlier alias, for
    /// `config check` to say they were ignored.
    public func ignoredAliases(_ key: String) -> [ResolvedSetting] {
        let winning = resolve(key)?.alias
        return (SettingKey.named(key)?.aliases ?? []).compactMap { alias in
            alias == winning ? nil : lookUp(alias, as: key)
        }
    }

    private func lookUp(_ name: String, as key: String? = nil) -> ResolvedSetting? {
        for layer in layers.reversed() {
            if let value = layer.values[name] {
                return ResolvedSetting(key: key ?? name, value: value, source: layer.source, origin: layer.origins[name],
                                       alias: key == nil ? nil : name)
            }
        }
        return nil
    }

    public func value(_ key: SettingKey) -> String? { resolve(key.name)?.value }

    /// Every value merged (without defaults), as the environment-reading constructors of the
    /// Kafka and Postgres targets expect it; a setting set only under an alias appears under its
    /// own name too.
    public var merged: [String: String] {
        var values: [String: String] = [:]
        for layer in layers { values.merge(layer.values) { $1 } }
        for key in SettingKey.all where !key.aliases.isEmpty && values[key.name] == nil {
            if let resolved = resolve(key.name), resolved.alias != nil { values[key.name] = resolved.value }
        }
        return values
    }

    /// A config file's entries as a layer: unknown keys are an error naming the line, so a typo
    /// (`DATABSE_URL`) is not silently ignored.
    public static func fileLayer(_ entries: [KeyValueFile.Entry], path: String) throws -> (values: [String: String], origins: [String: String]) {
        var values: [String: String] = [:]
        var origins: [String: String] = [:]
        for entry in entries {
            guard SettingKey.isKnown(entry.key) else {
                let known = SettingKey.all.map(\.name).joined(separator: ", ")
                throw OperationsError(.configuration, "\(path):\(entry.line): unknown setting \(entry.key); known settings: \(known)")
            }
            values[entry.key] = entry.value
            origins[entry.key] = "\(path):\(entry.line)"
        }
        return (values, origins)
    }

    /// The value as it may be shown: secrets as `***`, secrets inside connection strings, URLs
    /// and other values masked by `Redactor.setting`.
    public static func display(_ setting: ResolvedSetting) -> String {
        if SettingKey.named(setting.key)?.isSecret == true { return Redactor.mask }
        return Redactor.setting(key: setting.key, value: setting.value)
    }
}
