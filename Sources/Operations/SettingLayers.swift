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

    public init(key: String, value: String, source: SettingSource, origin: String?) {
        self.key = key
        self.value = value
        self.source = source
        self.origin = origin
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

    /// The winning value of `key`, or its default, or nil.
    public func resolve(_ key: String) -> ResolvedSetting? {
        for layer in layers.reversed() {
            if let value = layer.values[key] {
                return ResolvedSetting(key: key, value: value, source: layer.source, origin: layer.origins[key])
            }
        }
        if let fallback = SettingKey.named(key)?.defaultValue {
            return ResolvedSetting(key: key, value: fallback, source: .default, origin: nil)
        }
        return nil
    }

    public func value(_ key: SettingKey) -> String? { resolve(key.name)?.value }

    /// Every value merged (without defaults), as the environment-reading constructors of the
    /// Kafka and Postgres targets expect it.
    public var merged: [String: String] {
        var values: [String: String] = [:]
        for layer in layers { values.merge(layer.values) { $1 } }
        return values
    }

    /// A config file's entries as a layer: unknown keys are an error naming the line, so a typo
    /// (`DATABSE_URL`) is not silently ignored.
    public static func fileLayer(_ entries: [KeyValueFile.Entry], path: String) throws -> (values: [String: String], origins: [String: String]) {
        var values: [String: String] = [:]
        var origins: [String: String] = [:]
        for entry in entries {
            guard SettingKey.named(entry.key) != nil else {
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
