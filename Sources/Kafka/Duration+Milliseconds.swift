/// librdkafka takes every timeout as an `int` of milliseconds; these helpers do the one
/// conversion in one place, clamped so that a huge `Duration` never overflows into "no wait".
extension Duration {
    /// Whole milliseconds, rounded up so that a tiny positive timeout still waits, clamped to `Int32`.
    var clampedMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        if seconds >= Int64(Int32.max / 1000) { return Int32.max }
        let fraction = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(seconds * 1000 + fraction)
    }

    /// Seconds as a short human number for error sentences ("5 s", "0.5 s").
    var secondsDescription: String {
        let ms = Double(clampedMilliseconds)
        if ms.truncatingRemainder(dividingBy: 1000) == 0 { return "\(Int(ms / 1000)) s" }
        return "\(ms / 1000) s"
    }
}

/// A point in time after which a blocking call gives up; librdkafka wants the time left, in ms.
struct Deadline {
    let instant: ContinuousClock.Instant

    init(after duration: Duration) { instant = .now + duration }

    var hasPassed: Bool { ContinuousClock.now >= instant }

    /// Milliseconds left (0 once passed), for handing to a librdkafka call.
    var remainingMilliseconds: Int32 { (instant - .now).clampedMilliseconds }
}
