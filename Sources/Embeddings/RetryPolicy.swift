import Foundation

/// When to try a failed request again: exponential backoff with jitter, never sooner than the
/// server's `Retry-After`. Pure, so the schedule is testable without a clock.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt before the failure becomes the run's error.
    public var maxRetries: Int
    /// The wait before the first retry (before jitter); doubles each time.
    public var initialDelay: Double
    /// No computed wait exceeds this (a `Retry-After` may, up to `maxRetryAfter`).
    public var maxDelay: Double
    /// A `Retry-After` beyond this is treated as this: a server asking for an hour is not waited on blindly.
    public var maxRetryAfter: Double

    public init(maxRetries: Int = 10, initialDelay: Double = 0.25, maxDelay: Double = 30, maxRetryAfter: Double = 120) {
        self.maxRetries = maxRetries
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// Seconds to wait before retry number `retry` (1-based). `jitter` in [0, 1) picks a point in
    /// the upper half of the backoff window ("equal jitter"), so concurrent workers hit by the same
    /// burst spread out but each still backs off.
    public func delay(retry: Int, retryAfter: Double?, jitter: Double) -> Double {
        let exponent = Double(max(0, min(retry - 1, 30)))
        let window = min(maxDelay, initialDelay * pow(2, exponent))
        let backoff = window / 2 + window / 2 * min(max(jitter, 0), 1)
        guard let retryAfter, retryAfter > 0 else { return backoff }
        return max(min(retryAfter, maxRetryAfter), backoff)
    }

    /// `Retry-After` as seconds: either delta-seconds ("3") or an HTTP date, relative to `now`.
    public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Double? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds.isFinite { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
