/// The knobs of `EventGenerator`: how much data, how many subjects, and how messy it is.
///
/// Every rate is a probability in 0...1 (values outside are clamped). The same options give
/// byte-identical records; `arrivalSeed` changes only the order in which the same records
/// arrive (and their record timestamps). Decoding accepts a partial object: missing keys
/// keep their defaults, so a config file only names what it changes.
public struct GeneratorOptions: Sendable, Codable, Equatable {
    /// Records to emit, duplicates and invalid records included.
    public var events: Int = 10_000
    /// Distinct subject_ids, spread over link/todo/sensor/annotation as 40/20/30/10 %.
    public var subjects: Int = 1_000
    public var partitions: Int32 = 4
    /// Same seed (and options) → byte-identical records.
    public var seed: UInt64 = 1
    /// nil: arrival order from `seed` (exactly as if `arrivalSeed == seed`); otherwise the
    /// same set of records in a different arrival order.
    public var arrivalSeed: UInt64? = nil
    /// Fraction of events that arrive after a later-in-event-order event of their subject.
    public var outOfOrderRate: Double = 0.05
    /// Fraction of subjects whose first arriving event is not their creating one.
    public var partialBeforeCreateRate: Double = 0.02
    /// Fraction of subjects whose creating event is never emitted (their events stay pending).
    /// Only links and todos have non-creating types, so only they are picked, more often.
    public var missingCreatorRate: Double = 0.01
    /// Fraction of records that re-send an earlier event (same subject_id and event_id)…
    public var duplicateRate: Double = 0.01
    /// …of which this share carry a different payload.
    public var duplicateWithDifferentPayloadRate: Double = 0.3
    /// Fraction of events sharing `occurred_at` with the previous event of their subject.
    public var equalInstantRate: Double = 0.01
    /// Fraction of records breaking one rule, cycling through every quarantine reason.
    public var invalidRate: Double = 0.005
    /// Milliseconds since the epoch where event times start (default 2026-01-01T00:00:00Z).
    public var startTime: Int64 = 1_767_225_600_000
    public var topic: String = "events.raw"

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = GeneratorOptions()
        events = try c.decodeIfPresent(Int.self, forKey: .events) ?? d.events
        subjects = try c.decodeIfPresent(Int.self, forKey: .subjects) ?? d.subjects
        partitions = try c.decodeIfPresent(Int32.self, forKey: .partitions) ?? d.partitions
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        arrivalSeed = try c.decodeIfPresent(UInt64.self, forKey: .arrivalSeed)
        outOfOrderRate = try c.decodeIfPresent(Double.self, forKey: .outOfOrderRate) ?? d.outOfOrderRate
        partialBeforeCreateRate = try c.decodeIfPresent(Double.self, forKey: .partialBeforeCreateRate) ?? d.partialBeforeCreateRate
        missingCreatorRate = try c.decodeIfPresent(Double.self, forKey: .missingCreatorRate) ?? d.missingCreatorRate
        duplicateRate = try c.decodeIfPresent(Double.self, forKey: .duplicateRate) ?? d.duplicateRate
        duplicateWithDifferentPayloadRate = try c.decodeIfPresent(Double.self, forKey: .duplicateWithDifferentPayloadRate)
            ?? d.duplicateWithDifferentPayloadRate
        equalInstantRate = try c.decodeIfPresent(Double.self, forKey: .equalInstantRate) ?? d.equalInstantRate
        invalidRate = try c.decodeIfPresent(Double.self, forKey: .invalidRate) ?? d.invalidRate
        startTime = try c.decodeIfPresent(Int64.self, forKey: .startTime) ?? d.startTime
        topic = try c.decodeIfPresent(String.self, forKey: .topic) ?? d.topic
    }
}
