import Foundation
import Logging
import Synchronization

/// Shows progress of long steps: a bar with rate and ETA rewritten in place on a terminal,
/// a log line every few seconds otherwise (cron, CI), so logs never fill with control characters.
final class ProgressReporter: Sendable {
    private struct Line {
        var step = ""
        var started = Date()
        var lastPrint = Date.distantPast
        var drewLine = false
    }

    private let enabled: Bool
    private let logger: Logger
    private let isTerminal = isatty(STDERR_FILENO) == 1
    /// Held while a line is written too, so lines from several threads never interleave.
    private let line = Mutex(Line())

    init(enabled: Bool, logger: Logger) {
        self.enabled = enabled
        self.logger = logger
    }

    /// Starts timing a step, so its rate and ETA count from here.
    func begin(_ step: String) {
        line.withLock { $0 = Line(step: step) }
    }

    func update(_ step: String, done: Int64, total: Int64?, unit: String) {
        guard enabled else { return }
        line.withLock { line in
            let now = Date()
            if step != line.step { line = Line(step: step, started: now) }
            let interval: TimeInterval = isTerminal ? 0.1 : 5
            let finished = total.map { done >= $0 } ?? false
            guard now.timeIntervalSince(line.lastPrint) >= interval || finished else { return }
            line.lastPrint = now
            write(step, done: done, total: total, unit: unit, elapsed: max(now.timeIntervalSince(line.started), 0.001))
            if isTerminal { line.drewLine = true }
        }
    }

    private func write(_ step: String, done: Int64, total: Int64?, unit: String, elapsed: TimeInterval) {
        let rate = Double(done) / elapsed
        var text = "\(step): \(done)"
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let eta = rate > 0 ? Double(total - done) / rate : 0
            if isTerminal {
                let width = 24
                let filled = Int(fraction * Double(width))
                text = "\(step) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total) \(unit)"
            } else {
                text += "/\(total) \(unit)"
            }
            text += String(format: " %.0f%% %.0f %@/s eta %.0fs", fraction * 100, rate, unit, max(0, eta))
        } else {
            text += String(format: " %@ %.0f %@/s", unit, rate, unit)
        }
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
        } else {
            logger.info("\(text)")
        }
    }

    /// Ends the in-place line so the next output starts clean.
    func finish() {
        line.withLock { line in
            if line.drewLine { FileHandle.standardError.write(Data("\n".utf8)); line.drewLine = false }
        }
    }
}
