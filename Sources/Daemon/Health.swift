import Foundation
import Synchronization

/// What `/healthz` judges: when the loop last completed a cycle, and which of the components it
/// depends on it has found down. Pure; `HealthTracker` holds it between threads.
public struct HealthState: Sendable, Equatable {
    public struct Outage: Sendable, Equatable {
        public var since: Date
        public var reason: String

        public init(since: Date, reason: String) {
            self.since = since
            self.reason = reason
        }
    }

    public var startedAt: Date
    public var lastSuccess: Date?
    /// Components marked down, by name (`kafka`, `postgresql`, `embedding service`).
    public var down: [String: Outage] = [:]

    public init(startedAt: Date) {
        self.startedAt = startedAt
    }

    /// Healthy when no component is down and a cycle succeeded within `threshold` (or, before the
    /// first one, the process started within `threshold`: a grace period for the first batch).
    public func report(now: Date, threshold: Duration) -> HealthReport {
        let limit = threshold.inSeconds
        var reasons: [String] = down.sorted { $0.key < $1.key }.map { name, outage in
            "\(name) down since \(Self.iso(outage.since)) (\(Self.span(now.timeIntervalSince(outage.since)))): \(outage.reason)"
        }
        if let lastSuccess {
            let age = now.timeIntervalSince(lastSuccess)
            if age > limit {
                reasons.append("no batch has succeeded for \(Self.span(age)) (threshold \(Self.span(limit))); the last at \(Self.iso(lastSuccess))")
            }
        } else {
            let age = now.timeIntervalSince(startedAt)
            if age > limit {
                reasons.append("no batch has succeeded in the \(Self.span(age)) since start (threshold \(Self.span(limit)))")
            }
        }
        return HealthReport(isHealthy: reasons.isEmpty, reasons: reasons, state: self, now: now, thresholdSeconds: limit)
    }

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }

    /// `42 s`, `1.5 s`: whole seconds past ten, one decimal below.
    static func span(_ seconds: Double) -> String {
        seconds >= 10 ? "\(Int(seconds.rounded())) s" : "\((seconds * 10).rounded() / 10) s"
    }
}

/// The verdict `/healthz` serves: 200 with the body when healthy, 503 with it when not.
public struct HealthReport: Sendable, Equatable {
    public var isHealthy: Bool
    /// One sentence per reason it is not healthy; empty when it is.
    public var reasons: [String]
    public var state: HealthState
    public var now: Date
    public var thresholdSeconds: Double

    /// A short JSON object: `status`, `reasons`, `last_success`, `seconds_since_success`,
    /// `threshold_seconds`, `down` (component → since, reason).
    public var json: String {
        struct Body: Encodable {
            struct Down: Encodable { var since: String; var reason: String }
            var status: String
            var reasons: [String]
            var last_success: String?
            var seconds_since_success: Double?
            var threshold_seconds: Double
            var down: [String: Down]
        }
        let body = Body(
            status: isHealthy ? "ok" : "unhealthy", reasons: reasons,
            last_success: state.lastSuccess.map(HealthState.iso),
            seconds_since_success: state.lastSuccess.map { (now.timeIntervalSince($0) * 1_000).rounded() / 1_000 },
            threshold_seconds: thresholdSeconds,
            down: state.down.mapValues { Body.Down(since: HealthState.iso($0.since), reason: $0.reason) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings, numbers and a dictionary of strings cannot fail.
        return String(decoding: (try? encoder.encode(body)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
    }
}

/// The health of one running loop, written by the loop's thread and read by the status server.
public final class HealthTracker: Sendable {
    public let threshold: Duration
    private let clock: @Sendable () -> Date
    private let state: Mutex<HealthState>

    /// `clock` is for tests that step time; everything else uses the wall clock, as `/healthz`'s
    /// readers do.
    public init(threshold: Duration, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.threshold = threshold
        self.clock = clock
        self.state = Mutex(HealthState(startedAt: clock()))
    }

    /// A cycle completed, including one that found nothing to do: health is about the loop making
    /// progress, not about data arriving.
    public func recordSuccess() {
        let now = clock()
        state.withLock { $0.lastSuccess = now }
    }

    /// Marks `component` down; the first time keeps its `since`, later calls refresh the reason.
    public func markDown(_ component: String, reason: String) {
        let now = clock()
        state.withLock { state in
            state.down[component] = .init(since: state.down[component]?.since ?? now, reason: reason)
        }
    }

    /// Marks `component` up again; returns how long it was down, if it was.
    @discardableResult
    public func markUp(_ component: String) -> Duration? {
        let now = clock()
        return state.withLock { state in
            state.down.removeValue(forKey: component).map { .seconds(now.timeIntervalSince($0.since)) }
        }
    }

    public var snapshot: HealthState { state.withLock { $0 } }

    public func report() -> HealthReport {
        snapshot.report(now: clock(), threshold: threshold)
    }
}
