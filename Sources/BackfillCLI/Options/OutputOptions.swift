import ArgumentParser
import Display
import Foundation
import Kafka
import Logging

/// How the tool talks: human text or JSON on stdout, log lines on stderr.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the result as JSON on stdout (for scripts).")
    var json = false

    @Flag(name: .shortAndLong, help: "Print only errors and the final result.")
    var quiet = false

    @Option(help: ArgumentHelp("Log line format on stderr: text or json.", valueName: "format"))
    var logFormat: LogFormat = .text

    enum LogFormat: String, ExpressibleByArgument, Sendable { case text, json }

    func makeLogger(_ label: String) -> Logger {
        let format = logFormat
        let level: Logger.Level = quiet ? .error : .info
        var logger = Logger(label: label) { label in LineLogHandler(label: label, format: format) }
        logger.logLevel = level
        // librdkafka's own lines (syslog levels) follow the same format and level.
        let kafkaLogger = logger
        KafkaLog.sink = { severity, facility, message in
            let level: Logger.Level = severity <= 3 ? .error : severity == 4 ? .warning : severity <= 6 ? .info : .debug
            kafkaLogger.log(level: level, "\(message)", metadata: ["source": "librdkafka", "facility": "\(facility)"])
        }
        return logger
    }

    /// Progress on a terminal (one rewritten line) or periodic log lines when not.
    func makeProgress(_ logger: Logger) -> ProgressReporter {
        ProgressReporter(enabled: !quiet, logger: logger)
    }
}

/// One line per message on stderr: `time level message key=value…`, or one JSON object.
struct LineLogHandler: LogHandler {
    let label: String
    let format: OutputOptions.LogFormat
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let time = ISO8601DateFormatter().string(from: Date())
        var line: String
        switch format {
        case .text:
            line = "\(time) \(event.level) \(event.message)"
            for (key, value) in all.sorted(by: { $0.key < $1.key }) { line += " \(key)=\(value)" }
            line = Display.line(line)  // one event, one line, whatever a name in it holds
        case .json:
            var object: [String: String] = ["time": time, "level": "\(event.level)", "message": "\(event.message)", "logger": label]
            for (key, value) in all { object[key] = "\(value)" }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        // Messages and metadata may quote libpq or librdkafka: the whole line is redacted.
        FileHandle.standardError.write(Data((redacted(line) + "\n").utf8))
    }
}
