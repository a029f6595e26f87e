/// How long to wait before the next attempt at something that failed for a reason that may pass
/// (a broker restarting, PostgreSQL failing over, the embedding service redeploying).
///
/// Exponential: `initial × multiplier^(attempt − 1)`, capped at `maximum`, so a short blip costs
/// a quarter second and a long outage costs one attempt every `maximum`. Jittered downwards by up
/// to `jitter` of the delay, so several followers that lost the same broker do not come back in
/// lockstep; never above the cap, so the cap is what an operator can rely on.
public struct BackoffPolicy: Sendable, Equatable {
    public var initial: Duration
    public var multiplier: Double
    public var maximum: Duration
    /// The fraction of each delay that is random: a delay `d` becomes one in `[d·(1 − jitter), d]`.
    public var jitter: Double

    /// 250 ms, doubling, at most 30 s, 20 % jitter: a follower notices a recovered broker within
    /// 30 s and costs the broker one connection attempt per 30 s while it is down.
    public static let standard = BackoffPolicy(uncheckedInitial: .milliseconds(250), multiplier: 2, maximum: .seconds(30), jitter: 0.2)

    public init(initial: Duration, multiplier: Double = 2, maximum: Duration, jitter: Double = 0.2) throws(DaemonError) {
        guard initial > .zero else { throw DaemonError(.configuration, "the first retry delay must be positive (got \(initial))") }
        guard maximum >= initial else {
            throw DaemonError(.configuration, "the longest retry delay (\(maximum)) must not be shorter than the first (\(initial))")
        }
        guard multiplier >= 1, multiplier.isFinite else {
            throw DaemonError(.configuration, "the retry delay multiplier must be at least 1 (got \(multiplier))")
        }
        guard (0...1).contains(jitter) else { throw DaemonError(.configuration, "the retry jitter must be between 0 and 1 (got \(jitter))") }
        self.init(uncheckedInitial: initial, multiplier: multiplier, maximum: maximum, jitter: jitter)
    }

    private init(uncheckedInitial initial: Duration, multiplier: Double, maximum: Duration, jitter: Double) {
        self.initial = initial
        self.multiplier = multiplier
        self.maximum = maximum
        self.jitter = jitter
    }

    /// The delay before attempt `attempt + 1`, after `attempt` (≥ 1) consecutive failures, with
    /// `unitRandom` in `[0, 1)` choosing where in the jitter band it falls. Pure.
    public func delay(afterFailures attempt: Int, unitRandom: Double) -> Duration {
        let cap = maximum.inSeconds
        // Exponent in Double: a month-long outage (attempt in the hundreds of thousands) reaches
        // infinity, which `min` turns into the cap rather than into a trap.
        let grown = initial.inSeconds * Self.power(multiplier, max(0, attempt - 1))
        let base = min(cap, grown)
        let random = min(max(unitRandom, 0), 1)
        return .seconds(base * (1 - jitter * random))
    }

    /// `base^exponent` by squaring, in Double (Foundation's `pow` is not needed for this).
    static func power(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0, factor = base, left = exponent
        while left > 0, result.isFinite {
            if left & 1 == 1 { result *= factor }
            factor *= factor
            left >>= 1
        }
        return result
    }
}

/// The retry state of one thing being waited for: how many consecutive failures, hence the next
/// delay. `succeeded()` starts over, so the first failure after hours of health waits `initial`
/// again, not the cap.
public struct Backoff: Sendable {
    public let policy: BackoffPolicy
    public private(set) var failures = 0

    public init(_ policy: BackoffPolicy = .standard) {
        self.policy = policy
    }

    /// Records a failure and returns how long to wait before trying again.
    public mutating func failed(using generator: inout some RandomNumberGenerator) -> Duration {
        failures += 1
        return policy.delay(afterFailures: failures, unitRandom: Double.random(in: 0..<1, using: &generator))
    }

    public mutating func failed() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return failed(using: &generator)
    }

    public mutating func succeeded() {
        failures = 0
    }
}

extension Duration {
    /// The duration in seconds, as Prometheus and log lines state durations.
    var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// `250 ms`, `1.5 s`, `30 s`: a delay as a log line or an error sentence states it.
    var spoken: String {
        let seconds = inSeconds
        if seconds < 1 { return "\(Int((seconds * 1_000).rounded())) ms" }
        let tenths = (seconds * 10).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths)) s" : "\(tenths) s"
    }
}
