import Daemon
import Foundation
import Synchronization
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Stop token and idle wait")
struct WaitTests {
    @Test("a stop asked for from another thread ends a long sleep at once, and the first reason is kept")
    func stopEndsSleep() {
        let stop = StopToken()
        let sleeper = OnThread { () -> (Bool, ContinuousClock.Instant) in
            let full = stop.sleep(for: .seconds(600))
            return (full, ContinuousClock.now)
        }
        usleep(50_000)
        let asked = ContinuousClock.now
        stop.requestStop("SIGTERM")
        stop.requestStop("later")
        let (full, woke) = sleeper.join()
        #expect(full == false)
        // A bound on the wake-up, measured from the request (not a speed figure).
        #expect(woke - asked < .seconds(5))
        #expect(stop.reason == "SIGTERM")
        #expect(throws: StopRequested(reason: "SIGTERM")) { try stop.checkStop() }
        #expect(stop.sleep(for: .seconds(60)) == false)
    }

    @Test("a sleep nobody interrupts lasts its whole time")
    func sleepRunsOut() {
        let stop = StopToken()
        let started = ContinuousClock.now
        #expect(stop.sleep(for: .milliseconds(30)))
        #expect(ContinuousClock.now - started >= .milliseconds(30))
        #expect(!stop.isStopRequested)
    }

    @Test("a ring before the wait is kept, several rings make one wake-up, and no ring times out")
    func ringSemantics() {
        let doorbell = Doorbell(stop: StopToken())
        doorbell.ring()
        doorbell.ring()
        #expect(doorbell.wait(upTo: .seconds(5)) == .rang)
        #expect(doorbell.wait(upTo: .milliseconds(20)) == .timedOut)
    }

    @Test("a ring from another thread wakes the waiter")
    func ringWakes() {
        let doorbell = Doorbell(stop: StopToken())
        let waiter = OnThread { doorbell.wait(upTo: .seconds(600)) }
        usleep(50_000)
        doorbell.ring()
        #expect(waiter.join() == .rang)
    }

    @Test("a stop wakes every thread waiting on doorbells and sleeps, and later waits return at once")
    func stopWakesAll() {
        let stop = StopToken()
        let bells = (0..<3).map { _ in Doorbell(stop: stop) }
        let shared = Doorbell(stop: stop)
        let waiters = (0..<6).map { index in
            OnThread { () -> String in
                switch index {
                case 0..<3: "\(bells[index].wait(upTo: .seconds(600)))"
                case 3, 4: "\(shared.wait(upTo: .seconds(600)))"
                default: stop.sleep(for: .seconds(600)) ? "slept" : "stopped"
                }
            }
        }
        usleep(100_000)
        stop.requestStop("test")
        #expect(waiters.map { $0.join() } == Array(repeating: "stopped", count: 6))
        bells[0].ring()
        #expect(bells[0].wait(upTo: .seconds(60)) == .stopped)
        #expect(Doorbell(stop: stop).wait(upTo: .seconds(60)) == .stopped)
    }

    @Test("waiting idle costs the waiting thread no CPU worth measuring")
    func idleCostsNothing() {
        let doorbell = Doorbell(stop: StopToken())
        let cpu = OnThread { () -> Duration in
            let before = threadCPUTime()
            _ = doorbell.wait(upTo: .seconds(1))
            return threadCPUTime() - before
        }.join()
        // A polling loop would burn most of the second; a parked thread burns microseconds.
        #expect(cpu < .milliseconds(20), "the idle wait used \(cpu) of CPU in one second")
    }
}
