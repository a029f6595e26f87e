import Foundation
@testable import Pipeline
import Synchronization
import Testing
import TestSupport

@Suite("PartWorkers")
struct PartWorkersTests {
    struct Failed: Error, Equatable { var part: Int }

    @Test("every part runs, part 0 on the calling thread and the others on threads named after the job; results come back in part order")
    func results() throws {
        let caller = pthread_self()
        let names = Mutex<[Int: String]>([:])
        let results = try PartWorkers.run(count: 4, name: "unit-part") { _ in
            #expect(pthread_equal(pthread_self(), caller) != 0)
            return 0
        } other: { part, _ in
            #expect(pthread_equal(pthread_self(), caller) == 0)
            names.withLock { $0[part] = currentThreadName() }
            Thread.sleep(forTimeInterval: Double(4 - part) / 100)  // finish in reverse order
            return part * 10
        }
        #expect(results == [0, 10, 20, 30])
        #expect(names.withLock { $0 } == [1: "unit-part-1", 2: "unit-part-2", 3: "unit-part-3"])
    }

    @Test("one part runs on the calling thread alone")
    func single() throws {
        let results = try PartWorkers.run(count: 1, name: "unit-single") { _ in 7 } other: { _, _ in
            Issue.record("no other part should run")
            return -1
        }
        #expect(results == [7])
    }

    @Test("the first failure is the one reported, and it tells the other parts to stop")
    func firstFailureWins() throws {
        let stoppedParts = Mutex<Set<Int>>([])
        /// Waits (up to a minute, so a broken `shouldStop` fails instead of hanging) to be told to stop.
        @Sendable func waitToBeStopped(_ part: Int, _ workers: PartWorkers) throws -> Int {
            let deadline = ContinuousClock.now + .seconds(60)
            while !workers.shouldStop, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.001) }
            if workers.shouldStop {
                stoppedParts.withLock { _ = $0.insert(part) }
                throw PartWorkers.Stopped()
            }
            return part
        }
        let error = #expect(throws: Failed.self) {
            try PartWorkers.run(count: 4, name: "unit-fail") { workers in
                try waitToBeStopped(0, workers)
            } other: { part, workers in
                switch part {
                case 2: throw Failed(part: 2)
                case 3:
                    // Fails too, but only after part 2 did: never the error reported.
                    _ = try? waitToBeStopped(3, workers)
                    throw Failed(part: 3)
                default: return try waitToBeStopped(part, workers)
                }
            }
        }
        #expect(error == Failed(part: 2))
        #expect(stoppedParts.withLock { $0 } == [0, 1, 3])
    }

    @Test("`Stopped` from a part is never the error reported")
    func stoppedIsNotAFailure() throws {
        #expect(throws: Failed.self) {
            try PartWorkers.run(count: 2, name: "unit-stopped") { _ in
                throw PartWorkers.Stopped()
            } other: { _, _ in
                Thread.sleep(forTimeInterval: 0.01)
                throw Failed(part: 1)
            }
        }
    }
}

@Suite("ResultSlots")
struct ResultSlotsTests {
    @Test("results set in any order and from any thread come back in slot order")
    func order() throws {
        let slots = ResultSlots<String>(count: 3)
        let threads = [2, 0, 1].map { index in OnThread { slots.set(index, "r\(index)") } }
        for thread in threads { thread.join() }
        #expect(try slots.all() == ["r0", "r1", "r2"])
    }

    @Test("a slot never filled is reported as an error, not a crash")
    func missing() {
        let slots = ResultSlots<Int>(count: 2)
        slots.set(0, 1)
        #expect(throws: PartWorkers.Stopped.self) { try slots.all() }
    }
}

/// The kernel's name of the calling thread (what `top -H` and debuggers show; Linux).
func currentThreadName() -> String {
    ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .newlines)
}
