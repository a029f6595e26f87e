import Foundation
import Store

/// What `backfill follow --verify-against` compares and how often.
public struct LiveVerifyOptions: Sendable {
    /// The live job's tables (the left side of every diff).
    public var live: DiffSide
    /// The follower's target (the right side), whose state schema names the touched subjects.
    public var shadow: DiffSide
    public var stateSchema: String
    public var topic: String
    /// The live job's consumer group: a subject is compared once this group has read past its records.
    public var liveGroup: String
    /// `verify-latest.{json,md,html}` are written here.
    public var reportsDirectory: URL
    /// How often the live group's offsets are read (and ready subjects compared).
    public var interval: Duration = .seconds(1)
    /// How often the report files are rewritten (and once more at the stop).
    public var reportInterval: Duration = .seconds(10)
    /// Verdict rules: rows a column rule accepts entirely are not counted, as in `diff --rules`.
    public var rules: VerdictRules?
    public var tables: [TableSpec] = TableSpec.lifestream
    /// A full diff at the start gives totals for every subject, not only those touched since.
    public var initialFullDiff = true

    public init(live: DiffSide, shadow: DiffSide, stateSchema: String, topic: String, liveGroup: String, reportsDirectory: URL) {
        self.live = live
        self.shadow = shadow
        self.stateSchema = stateSchema
        self.topic = topic
        self.liveGroup = liveGroup
        self.reportsDirectory = reportsDirectory
    }

    /// A diff of the two sides, of `selection`'s rows.
    func request(_ selection: DiffSelection) -> DiffRequest {
        var request = DiffRequest(left: live, right: shadow, tables: tables, sampleLimit: 0, stateSchema: stateSchema)
        request.rules = rules
        request.selection = selection
        return request
    }
}
