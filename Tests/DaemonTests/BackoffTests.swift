@testable import Daemon
import Testing

@Suite("Retry backoff")
struct BackoffTests {
    let policy = try! BackoffPolicy(initial: .milliseconds(250), multiplier: 2, maximum: .seconds(30), jitter: 0.2)

    func milliseconds(_ duration: Duration) -> Double { (duration.inSeconds * 1_000 * 1_000).rounded() / 1_000 }

    @Test("without jitter the delay doubles from the first delay up to the cap")
    func exponentialToCap() {
        let delays = (1...10).map { milliseconds(policy.delay(afterFailures: $0, unitRandom: 0)) }
        #expect(delays == [250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000])
    }

    @Test("jitter shortens a delay by at most its fraction and never lengthens it")
    func jitterBand() {
        #expect(milliseconds(policy.delay(afterFailures: 3, unitRandom: 0.5)) == 900)
        #expect(milliseconds(policy.delay(afterFailures: 3, unitRandom: 0.999_999)) >= 800)
        #expect(milliseconds(policy.delay(afterFailures: 20, unitRandom: 0.5)) == 27_000)
        // Whatever the draw, the delay stays in its band: the system generator will do.
        var backoff = Backoff(policy)
        for failure in 1...50 {
            let delay = milliseconds(backoff.failed())
            let base = min(30_000, 250 * Double(1 << min(failure - 1, 20)))
            #expect(delay <= base && delay >= base * 0.8, "failure \(failure): \(delay) ms")
        }
    }

    @Test("a success starts the delays over from the first")
    func resetAfterSuccess() {
        var backoff = Backoff(try! BackoffPolicy(initial: .milliseconds(100), maximum: .seconds(10), jitter: 0))
        #expect(milliseconds(backoff.failed()) == 100)
        #expect(milliseconds(backoff.failed()) == 200)
        #expect(milliseconds(backoff.failed()) == 400)
        backoff.succeeded()
        #expect(backoff.failures == 0)
        #expect(milliseconds(backoff.failed()) == 100)
    }

    @Test("a month of failures stays at the cap instead of overflowing")
    func hugeAttempt() {
        #expect(milliseconds(policy.delay(afterFailures: 10_000_000, unitRandom: 0)) == 30_000)
        #expect(milliseconds(policy.delay(afterFailures: Int.max, unitRandom: 0)) == 30_000)
    }

    @Test("an unusable policy is refused with a sentence saying which setting")
    func invalidPolicies() {
        #expect(throws: DaemonError.self) { try BackoffPolicy(initial: .zero, maximum: .seconds(1)) }
        #expect(throws: DaemonError.self) { try BackoffPolicy(initial: .seconds(2), maximum: .seconds(1)) }
        #expect(throws: DaemonError.self) { try BackoffPolicy(initial: .seconds(1), multiplier: 0.5, maximum: .seconds(2)) }
        #expect(throws: DaemonError.self) { try BackoffPolicy(initial: .seconds(1), maximum: .seconds(2), jitter: 1.5) }
        do {
            _ = try BackoffPolicy(initial: .seconds(2), maximum: .seconds(1))
        } catch {
            #expect(error.code == .configuration)
            #expect(error.message.contains("must not be shorter than the first"))
        }
    }
}
