import Foundation
import Logging

/// Shows progress of long steps: a bar with rate and ETA rewritten in place on a terminal,
/// a log line every few seconds otherwise (cron, CI), so logs never fill with control characters.
final class ProgressReporter: @unchecked Sendable {
    private let enabled: Bool
    private let logger: Logger
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var step = ""
    private var started = Date()
    private var lastPrint = Date.distantPast
    private var drewLine = false

    init(enabled: Bool, logger: Logger) {
        self.enabled = enabled
        self.logger = logger
    }

    /// Starts timing a step, so its rate and ETA count from here.
    func begin(_ step: String) {
        lock.lock()
        defer { lock.unlock() }
        self.step = step
        started = Date()
        lastPrint = .distantPast
    }

    func update(_ step: String, done: Int64, total: Int64?, unit: String) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        if step != self.step { self.step = step; started = now; lastPrint = .distantPast }
        let interval: TimeInterval = isTerminal ? 0.1 : 5
        let finished = total.map { done >= $0 } ?? false
        guard now.timeIntervalSince(lastPrint) >= interval || finished else { return }
        lastPrint = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
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
            drewLine = true
        } else {
            logger.info("\(text)")
        }
    }

    /// Ends the in-place line so the next output starts clean.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drewLine { FileHandle.standardError.write(Data("\n".utf8)); drewLine = false }
    }
}
