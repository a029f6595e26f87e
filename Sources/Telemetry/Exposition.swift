import Prometheus

/// The one way the tool writes metrics: a registry's Prometheus text exposition, served by a
/// daemon's `/metrics` and written by the nightly into node_exporter's textfile directory.
public enum Exposition {
    /// The text format's media type (version 0.0.4), which Prometheus expects on `/metrics`.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The registry's exposition, with integral sample values printed as integers.
    ///
    /// swift-prometheus prints a gauge with Swift's `Double` description (`0.0`, `1.8e+09`, `nan`,
    /// `inf`). Prometheus parses either spelling, but the nightly's textfile has always said
    /// `backfill_nightly_exit_code 0`, and scripts and tests grep for exactly that; so a value
    /// that is a whole number is printed as one, and NaN and infinities in the spelling the
    /// format documents (`NaN`, `+Inf`, `-Inf`). Only the value (after a line's last space) is
    /// touched; names, labels and HELP are the registry's.
    public static func text(_ registry: PrometheusCollectorRegistry) -> String {
        normalizeValues(registry.emitToString())
    }

    /// See `text(_:)`. A sample line ends with ` <value>`; label values cannot hide a line break
    /// (the registry escapes `\n`), so every line is one comment or one sample.
    static func normalizeValues(_ exposition: String) -> String {
        exposition.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " ") else { return String(line) }
            return String(line[...space] + canonicalValue(line[line.index(after: space)...]))
        }.joined(separator: "\n")
    }

    /// `12.0` → `12`, `nan` → `NaN`, `inf` → `+Inf`; anything else as it was.
    static func canonicalValue(_ value: Substring) -> Substring {
        switch value {
        case "nan": return "NaN"
        case "inf", "+inf": return "+Inf"
        case "-inf": return "-Inf"
        default: break
        }
        guard value.hasSuffix(".0") else { return value }
        let whole = value.dropLast(2)
        let digits = whole.hasPrefix("-") ? whole.dropFirst() : whole
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return value }
        return whole == "-0" ? "0" : whole
    }
}
