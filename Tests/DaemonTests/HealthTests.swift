import Synchronization
import Daemon
import Foundation
import Testing

@Suite("Health verdict")
struct HealthTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("before the first batch the process is healthy for one threshold, then not")
    func gracePeriod() {
        let state = HealthState(startedAt: start)
        #expect(state.report(now: start + 59, threshold: .seconds(60)).isHealthy)
        let late = state.report(now: start + 75, threshold: .seconds(60))
        #expect(!late.isHealthy)
        #expect(late.reasons == ["no batch has succeeded in the 75 s since start (threshold 60 s)"])
    }

    @Test("a batch that succeeded within the threshold is healthy, an older one is not")
    func staleSuccess() {
        var state = HealthState(startedAt: start)
        state.lastSuccess = start + 100
        #expect(state.report(now: start + 160, threshold: .seconds(60)).isHealthy)
        let stale = state.report(now: start + 195, threshold: .seconds(60))
        #expect(!stale.isHealthy)
        #expect(stale.reasons == ["no batch has succeeded for 95 s (threshold 60 s); the last at 2027-01-15T08:01:40Z"])
    }

    @Test("a component marked down makes it unhealthy however recent the last batch, and says since when")
    func componentDown() {
        var state = HealthState(startedAt: start)
        state.lastSuccess = start + 10
        state.down["kafka"] = .init(since: start + 8, reason: "Connection refused")
        let report = state.report(now: start + 12.5, threshold: .seconds(60))
        #expect(!report.isHealthy)
        #expect(report.reasons == ["kafka down since 2027-01-15T08:00:08Z (4.5 s): Connection refused"])
        #expect(report.json.contains("\"status\":\"unhealthy\""))
        #expect(report.json.contains("\"down\":{\"kafka\":{\"reason\":\"Connection refused\",\"since\":\"2027-01-15T08:00:08Z\"}}"))
    }

    @Test("the tracker keeps when a component first went down and forgets it when it is up")
    func tracker() {
        let clock = TestClock(start)
        let tracker = HealthTracker(threshold: .seconds(60), clock: clock.read)
        tracker.markDown("postgresql", reason: "server closed the connection")
        clock.advance(5)
        tracker.markDown("postgresql", reason: "connection refused")
        #expect(tracker.snapshot.down["postgresql"] == .init(since: start, reason: "connection refused"))
        clock.advance(2)
        #expect(tracker.markUp("postgresql") == .seconds(7))
        #expect(tracker.markUp("postgresql") == nil)
        tracker.recordSuccess()
        #expect(tracker.report().isHealthy)
        #expect(tracker.report().json == "{\"down\":{},\"last_success\":\"2027-01-15T08:00:07Z\",\"reasons\":[],\"seconds_since_success\":0,\"status\":\"ok\",\"threshold_seconds\":60}\n")
    }
}

/// Time that moves only when a test says so.
final class TestClock: Sendable {
    private let now: Mutex<Date>
    init(_ start: Date) { now = Mutex(start) }
    func advance(_ seconds: TimeInterval) { now.withLock { $0 += seconds } }
    var read: @Sendable () -> Date { { [self] in self.now.withLock { $0 } } }
}
