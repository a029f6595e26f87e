import ArgumentParser
import Foundation

/// A span of time as people write it on a command line: `250ms`, `1.5s`, `90m`, `24h`, `7d`, or a
/// bare number of seconds.
struct TimeSpan: ExpressibleByArgument, Sendable, Equatable, CustomStringConvertible {
    let seconds: Double
    let description: String

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces)
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        var value: Double?
        for unit in units where text.hasSuffix(unit.suffix) {
            if let number = Double(text.dropLast(unit.suffix.count)) { value = number * unit.seconds; break }
        }
        guard let seconds = value ?? Double(text), seconds >= 0, seconds.isFinite else { return nil }
        self.seconds = seconds
        self.description = text
    }

    var duration: Duration { .milliseconds(Int64((seconds * 1000).rounded())) }

    static var defaultCompletionKind: CompletionKind { .default }
}
