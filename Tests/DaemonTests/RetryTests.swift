import Daemon
import Foundation
import Logging
import Synchronization
import Telemetry
import TestSupport
import Testing

@Suite("Waiting out an outage")
struct RetryTests {
    struct Refused: Error, CustomStringConvertible { var description: String { "connection refused" } }
    struct BadPassword: Error, CustomStringConvertible { var description: String { "password authentication failed" } }

    let fast = try! BackoffPolicy(initial: .milliseconds(1), maximum: .milliseconds(5))
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test("failures that may pass are retried until the operation succeeds, and health and metrics show the outage and its end")
    func retriesUntilSuccess() throws {
        let status = DaemonStatus(prefix: "t", healthThreshold: .seconds(60))
        let attempts = Mutex(0)
        let seenDown = Mutex(false)
        let value = try Retry(component: "kafka", policy: fast).run("reading offsets", status: status, stop: StopToken(), logger: logger,
                                                                  isTransient: { $0 is Refused }) { () throws -> Int in
            let attempt = attempts.withLock { $0 += 1; return $0 }
            if attempt > 1 {
                let report = status.health.report()
                seenDown.withLock { $0 = !report.isHealthy && report.reasons.first?.hasPrefix("kafka down since") == true }
            }
            if attempt < 4 { throw Refused() }
            return 42
        }
        #expect(value == 42)
        #expect(attempts.withLock { $0 } == 4)
        #expect(seenDown.withLock { $0 })
        #expect(status.health.snapshot.down.isEmpty)
        let text = Exposition.text(status.registry)
        #expect(text.contains("t_retries_total{component=\"kafka\"} 3\n"))
        #expect(text.contains("t_up{component=\"kafka\"} 1\n"))
    }

    @Test("a failure that will not pass is thrown at once, without a retry")
    func permanentFailure() {
        let status = DaemonStatus(prefix: "t", healthThreshold: .seconds(60))
        let attempts = Mutex(0)
        #expect(throws: BadPassword.self) {
            try Retry(component: "postgresql", policy: fast).run("connecting", status: status, stop: StopToken(), logger: logger,
                                                                isTransient: { $0 is Refused }) {
                attempts.withLock { $0 += 1 }
                throw BadPassword()
            }
        }
        #expect(attempts.withLock { $0 } == 1)
    }

    @Test("a stop asked for during the backoff ends the wait at once with StopRequested")
    func stopDuringBackoff() {
        let status = DaemonStatus(prefix: "t", healthThreshold: .seconds(60))
        let stop = StopToken()
        let slow = try! BackoffPolicy(initial: .seconds(600), maximum: .seconds(600))
        let logger = logger
        let retrying = OnThread { () -> String in
            do {
                try Retry(component: "kafka", policy: slow).run("polling", status: status, stop: stop, logger: logger,
                                                                isTransient: { _ in true }) { throw Refused() }
                return "returned"
            } catch {
                return "\(error)"
            }
        }
        while status.health.snapshot.down.isEmpty { usleep(1_000) }
        stop.requestStop("SIGTERM")
        #expect(retrying.join() == "stopped (SIGTERM)")
    }

    @Test("with a limit, an outage longer than the limit fails with a sentence naming the last error")
    func givesUp() {
        let status = DaemonStatus(prefix: "t", healthThreshold: .seconds(60))
        do {
            try Retry(component: "embedding service", policy: fast, giveUpAfter: .milliseconds(30))
                .run("embedding a batch", status: status, stop: StopToken(), logger: logger, isTransient: { _ in true }) { throw Refused() }
            Issue.record("returned")
        } catch let error as DaemonError {
            #expect(error.code == .gaveUp)
            #expect(error.message.hasPrefix("embedding a batch kept failing for"))
            #expect(error.message.hasSuffix("the last error: connection refused"))
        } catch {
            Issue.record("\(error)")
        }
    }
}
