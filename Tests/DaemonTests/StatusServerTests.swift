import Daemon
import Foundation
import Logging
import Synchronization
import Telemetry
import TestSupport
import Testing

/// The status server and the runner in this process, on real sockets; stopped through the token
/// (signals belong to LifecycleTests, which start a process).
///
/// The server is async and shares this process's two pool threads with every synchronous test
/// of the suite, which can hold them for minutes: waits here are long, and end as soon as the
/// server answers.
@Suite("Status server", .tags(.integration))
struct StatusServerTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test("/metrics answers with the registry's text in the Prometheus content type")
    func metrics() async throws {
        let status = DaemonStatus(prefix: "t", healthThreshold: .seconds(60))
        status.registry.counter("t_records_total", "Records read.", labels: [("outcome", "valid")]).increment(by: Int64(7))
        status.batchSucceeded(duration: .milliseconds(40))
        status.setLag(partition: 3, records: 12, seconds: 0.5)
        try await withDaemon(status) { base in
            let reply = try await get(base + "/metrics")
            #expect(reply.status == 200)
            #expect(reply.contentType == Exposition.contentType)
            #expect(reply.body == Exposition.text(status.registry))
            for line in ["t_records_total{outcome=\"valid\"} 7", "t_batches_total{outcome=\"ok\"} 1", "t_batch_duration_seconds_bucket{le=\"0.05\"} 1",
                         "t_lag_records{partition=\"3\"} 12", "t_lag_seconds{partition=\"3\"} 0.5", "# TYPE t_batch_duration_seconds histogram"] {
                #expect(reply.body.split(separator: "\n").contains(Substring(line)), "missing: \(line)")
            }
            #expect(try await get(base + "/nothing-here").status == 404)
        }
    }

    @Test("/healthz is 200 while batches succeed within the threshold and 503 with the reason when the threshold passes or a component is down")
    func health() async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))
        let status = DaemonStatus(prefix: "t", healthThreshold: .seconds(60), clock: clock.read)
        try await withDaemon(status) { base in
            var reply = try await get(base + "/healthz")
            #expect(reply.status == 200, "a fresh start is within its grace period")
            #expect(reply.contentType == "application/json")
            #expect(reply.body.contains("\"status\":\"ok\""))

            clock.advance(61)
            reply = try await get(base + "/healthz")
            #expect(reply.status == 503)
            #expect(reply.body.contains("no batch has succeeded in the 61 s since start (threshold 60 s)"))

            status.batchSucceeded(duration: .milliseconds(10))
            #expect(try await get(base + "/healthz").status == 200)
            clock.advance(59)
            #expect(try await get(base + "/healthz").status == 200)
            clock.advance(2)
            reply = try await get(base + "/healthz")
            #expect(reply.status == 503)
            #expect(reply.body.contains("no batch has succeeded for 61 s (threshold 60 s)"))

            status.batchSucceeded(duration: .milliseconds(10))
            status.markDown("kafka", reason: "Connection refused")
            reply = try await get(base + "/healthz")
            #expect(reply.status == 503)
            #expect(reply.body.contains("kafka down since 2027-01-15T08:02:02Z"))
            #expect(reply.body.contains("Connection refused"))
            #expect(try await get(base + "/metrics").body.contains("t_up{component=\"kafka\"} 0\n"))

            status.markUp("kafka")
            #expect(try await get(base + "/healthz").status == 200)
        }
    }

    @Test("a port another daemon listens on is a clear error, and the loop never starts")
    func portInUse() async throws {
        try await withDaemon(DaemonStatus(prefix: "a", healthThreshold: .seconds(60))) { base in
            let port = Int(base.split(separator: ":").last!)!
            let started = Mutex(false)
            let runner = DaemonRunner(name: "second", listen: ListenAddress(host: "127.0.0.1", port: port),
                                      status: DaemonStatus(prefix: "b", healthThreshold: .seconds(60)), logger: Self.logger)
            var quiet = runner
            quiet.handlesSignals = false
            let outcome = await quiet.run { _ in started.withLock { $0 = true } }
            #expect(outcome.exitCode == 2)
            #expect(outcome.errorMessage == "cannot listen on 127.0.0.1:\(port) for the status server: the address is already in use (another process listens on that port)")
            #expect(!started.withLock { $0 })
        }
    }

    @Test("an address that is not this host's is a clear error")
    func foreignAddress() async {
        var runner = DaemonRunner(name: "t", listen: ListenAddress(host: "192.0.2.1", port: 0),
                                  status: DaemonStatus(prefix: "t", healthThreshold: .seconds(60)), logger: Self.logger)
        runner.handlesSignals = false
        let outcome = await runner.run { _ in Issue.record("the loop started") }
        #expect(outcome.errorMessage == "cannot listen on 192.0.2.1:0 for the status server: the address is not one of this host's")
    }

    @Test("without --listen the loop runs alone; its return is a finish and its error a failure with the error's sentence")
    func noServer() async {
        struct Broken: Error, CustomStringConvertible { var description: String { "the state schema is gone" } }
        var runner = DaemonRunner(name: "t", listen: nil, status: DaemonStatus(prefix: "t", healthThreshold: .seconds(60)), logger: Self.logger)
        runner.handlesSignals = false
        let ran = Mutex(0)
        let finished = await runner.run { _ in ran.withLock { $0 += 1 } }
        #expect(ran.withLock { $0 } == 1)
        guard case .finished = finished else { Issue.record("\(finished)"); return }
        #expect(finished.exitCode == 0)
        let failed = await runner.run { _ in throw Broken() }
        #expect(failed.exitCode == 2)
        #expect(failed.errorMessage == "the state schema is gone")
    }

    /// Runs a daemon on 127.0.0.1 with a free port and a loop that waits for its stop, hands the
    /// base URL to `body`, then stops it and checks it ended as stopped.
    func withDaemon(_ status: DaemonStatus, _ body: (String) async throws -> Void) async throws {
        let bound = Mutex<ListenAddress?>(nil)
        var runner = DaemonRunner(name: "t", listen: ListenAddress(host: "127.0.0.1", port: 0), status: status, logger: Self.logger)
        runner.handlesSignals = false
        runner.onListening = { address in bound.withLock { $0 = address } }
        let stop = runner.stop
        let run = Task { [runner] in await runner.run { stop in while stop.sleep(for: .seconds(60)) {} } }
        let deadline = ContinuousClock.now + .seconds(600)
        while bound.withLock({ $0 }) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let address = try #require(bound.withLock { $0 })
        do {
            try await body("http://\(address)")
        } catch {
            stop.requestStop("test")
            _ = await run.value
            throw error
        }
        stop.requestStop("test")
        let outcome = await run.value
        guard case .stopped(let reason) = outcome else { Issue.record("ended as \(outcome)"); return }
        #expect(reason == "test")
    }
}
