import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A dummy follower (`DaemonSelfTest`: the real `DaemonRunner`, a loop whose batches block their
/// thread in `usleep` as a libpq call would) started as a process, signalled as systemd or an
/// operator at a terminal would.
///
/// Time bounds here are liveness bounds, not speed figures: "exits within a few seconds" is the
/// contract, and a hang would otherwise show only as a test that never ends.
@Suite("Daemon lifecycle", .tags(.integration))
struct LifecycleTests {
    @Test("the first SIGTERM or SIGINT in the middle of a batch lets it complete, then the process exits 0 within a few seconds",
          arguments: [SIGTERM, SIGINT])
    func gracefulStop(signal: Int32) throws {
        let daemon = try SelfTestProcess(["--listen", "127.0.0.1:0", "--batch-ms", "1500", "--idle-ms", "10"])
        let port = try daemon.port()
        try daemon.line("batch 2 started")
        let metrics = try getBlocking("http://127.0.0.1:\(port)/metrics")
        #expect(metrics.body.contains("selftest_batches_total{outcome=\"ok\"} "))
        #expect(!metrics.body.contains("selftest_batches_total{outcome=\"ok\"} 0\n"))
        #expect(try getBlocking("http://127.0.0.1:\(port)/healthz").status == 200)

        // Signal right after a batch starts: it blocks its thread for 1.5 s from that line.
        let started = try daemon.nextLast(after: daemon.stdout.lines.count) { $0.hasPrefix("batch ") && $0.hasSuffix(" started") }
        let batch = started.dropLast(" started".count)
        let before = daemon.stdout.lines
        daemon.send(signal)
        let signalled = ContinuousClock.now
        let status = try daemon.exitStatus()
        let stopping = ContinuousClock.now - signalled
        #expect(before.last == String(started), "the signal came after the batch: \(before)")
        #expect(status == 0, "\(daemon.stderr.value)")
        #expect(daemon.stdout.lines.suffix(3) == [String(started), "\(batch) completed", "loop returned"])
        #expect(stopping < .seconds(10), "took \(stopping) to stop")
        #expect(daemon.stderr.value.contains(": stopping after the batch in flight"))
        #expect(!daemon.stderr.value.contains("error:"))
    }

    @Test("a second SIGTERM while the batch is still running exits at once with 143, leaving the batch to roll back")
    func secondSignal() throws {
        let daemon = try SelfTestProcess(["--batch-ms", "60000"])
        try daemon.line("batch 1 started")
        daemon.send(SIGTERM)
        try daemon.line({ $0.contains("stopping after the batch in flight") }, in: daemon.stderr)
        daemon.send(SIGTERM)
        let status = try daemon.exitStatus()
        #expect(status == 143)
        #expect(!daemon.stdout.value.contains("batch 1 completed"))
        #expect(daemon.stderr.lines.last == "error: a second SIGTERM while stopping: exiting at once; the batch in flight rolls back")
    }

    @Test("a loop that does not return within the stop timeout is left behind with exit 2")
    func stopTimeout() throws {
        let daemon = try SelfTestProcess(["--batch-ms", "60000", "--stop-timeout-ms", "300"])
        try daemon.line("batch 1 started")
        daemon.send(SIGTERM)
        #expect(try daemon.exitStatus() == 2)
        #expect(daemon.stderr.lines.last?.hasPrefix("error: the work loop did not stop within 300 ms of SIGTERM") == true,
                "\(daemon.stderr.value)")
    }

    @Test("SIGTERM during an idle wait ends the wait at once and exits 0")
    func stopWhileIdle() throws {
        let daemon = try SelfTestProcess(["--batch-ms", "10", "--idle-ms", "600000"])
        try daemon.line("batch 1 completed")
        daemon.send(SIGTERM)
        let signalled = ContinuousClock.now
        #expect(try daemon.exitStatus() == 0)
        #expect(ContinuousClock.now - signalled < .seconds(10))
        #expect(daemon.stdout.lines == ["batch 1 started", "batch 1 completed", "loop returned"])
    }

    @Test("an outage is waited out visibly (503, up 0, retries counted), and SIGTERM during the backoff exits 0 at once")
    func stopDuringOutage() throws {
        let daemon = try SelfTestProcess(["--listen", "127.0.0.1:0", "--outage-ms", "600000"])
        let port = try daemon.port()
        try daemon.line({ $0.contains("attempt=3") }, in: daemon.stderr)
        let health = try getBlocking("http://127.0.0.1:\(port)/healthz")
        #expect(health.status == 503)
        #expect(health.body.contains("dummy down since"))
        #expect(health.body.contains("connection refused (a dummy outage)"))
        let metrics = try getBlocking("http://127.0.0.1:\(port)/metrics").body
        #expect(metrics.contains("selftest_up{component=\"dummy\"} 0\n"))
        #expect(metrics.contains("selftest_retries_total{component=\"dummy\"} "))
        #expect(!metrics.contains("selftest_retries_total{component=\"dummy\"} 0\n"))

        daemon.send(SIGTERM)
        let signalled = ContinuousClock.now
        #expect(try daemon.exitStatus() == 0)
        #expect(ContinuousClock.now - signalled < .seconds(10))
        #expect(!daemon.stdout.value.contains("batch"))
    }

    @Test("an error thrown by the loop ends the process with exit 2 and one sentence")
    func loopError() throws {
        let daemon = try SelfTestProcess(["--batch-ms", "10", "--idle-ms", "10", "--fail-at", "2"])
        #expect(try daemon.exitStatus() == 2)
        #expect(daemon.stdout.lines == ["batch 1 started", "batch 1 completed", "batch 2 started"])
        #expect(daemon.stderr.lines.filter { $0.hasPrefix("error:") } == ["error: batch 2 failed on purpose"])
        #expect(daemon.stderr.lines.last == "error: batch 2 failed on purpose")
    }

    @Test("a --listen port another process holds exits 2 with a sentence naming the address, before any batch")
    func portHeld() throws {
        let holder = try SelfTestProcess(["--listen", "127.0.0.1:0", "--batch-ms", "10", "--idle-ms", "600000"])
        let port = try holder.port()
        let second = try SelfTestProcess(["--listen", "127.0.0.1:\(port)"])
        #expect(try second.exitStatus() == 2)
        #expect(second.stderr.lines.last == "error: cannot listen on 127.0.0.1:\(port) for the status server: the address is already in use (another process listens on that port)")
        #expect(!second.stdout.value.contains("batch"))
        holder.send(SIGTERM)
        #expect(try holder.exitStatus() == 0)
    }
}
