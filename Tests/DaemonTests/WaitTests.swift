import Daemon
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Stop token and idle wait")
struct WaitTests {
    @Test("a stop asked for from another thread ends a long sleep at once, and the first reason is kept")
    func stopEndsSleep() async {
        let stop = StopToken()
        let asked = Mutex<ContinuousClock.Instant?>(nil)
        let (full, woke) = await onThread {
            let full = stop.sleep(for: .seconds(600))
            return (full, ContinuousClock.now)
        } while: {
            try? await Task.sleep(for: .milliseconds(50))
            asked.withLock { $0 = .now }
            stop.requestStop("SIGTERM")
            stop.requestStop("later")
        }
        #expect(full == false)
        // Measured from the request, on the sleeper's own clock reading: a bound on the wake-up,
        // whatever else the machine is doing (not a speed figure).
        #expect(woke - asked.withLock { $0! } < .seconds(5))
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
    func ringWakes() async {
        let doorbell = Doorbell(stop: StopToken())
        let woke = await onThread { doorbell.wait(upTo: .seconds(60)) } while: {
            try? await Task.sleep(for: .milliseconds(50))
            doorbell.ring()
        }
        #expect(woke == .rang)
    }

    @Test("a stop wakes every thread waiting on doorbells and sleeps, and later waits return at once")
    func stopWakesAll() async {
        let stop = StopToken()
        let bells = (0..<3).map { _ in Doorbell(stop: stop) }
        let shared = Doorbell(stop: stop)
        let woken = Mutex<[String]>([])
        let threads = (0..<6).map { index in
            Thread {
                let what: String
                switch index {
                case 0..<3: what = "\(bells[index].wait(upTo: .seconds(60)))"
                case 3, 4: what = "\(shared.wait(upTo: .seconds(60)))"
                default: what = stop.sleep(for: .seconds(60)) ? "slept" : "stopped"
                }
                woken.withLock { $0.append(what) }
            }
        }
        threads.forEach { $0.start() }
        try? await Task.sleep(for: .milliseconds(100))
        stop.requestStop("test")
        let deadline = ContinuousClock.now + .seconds(10)
        while woken.withLock({ $0.count }) < 6, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        #expect(woken.withLock { $0 }.sorted() == ["stopped", "stopped", "stopped", "stopped", "stopped", "stopped"])
        bells[0].ring()
        #expect(bells[0].wait(upTo: .seconds(60)) == .stopped)
        #expect(Doorbell(stop: stop).wait(upTo: .seconds(60)) == .stopped)
    }

    @Test("waiting idle costs the waiting thread no CPU worth measuring")
    func idleCostsNothing() async {
        let doorbell = Doorbell(stop: StopToken())
        let cpu = await onThread { () -> Duration in
            let before = threadCPUTime()
            _ = doorbell.wait(upTo: .seconds(1))
            return threadCPUTime() - before
        } while: {}
        // A polling loop would burn most of the second; a parked thread burns microseconds.
        #expect(cpu < .milliseconds(20), "the idle wait used \(cpu) of CPU in one second")
    }
}

/// Runs `body` on a thread of its own (it blocks), while `meanwhile` runs here; returns its result.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T, while meanwhile: () async -> Void) async -> T {
    let result = Mutex<T?>(nil)
    let thread = Thread { let value = body(); result.withLock { $0 = value } }
    thread.start()
    await meanwhile()
    while true {
        if let value = result.withLock({ $0 }) { return value }
        try? await Task.sleep(for: .milliseconds(5))
    }
}

func threadCPUTime() -> Duration {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
}
