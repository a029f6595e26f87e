import Foundation

/// Which old nightly snapshots and reports to delete. Pure: the caller lists the folders and
/// deletes what this returns.
///
/// Items are grouped by kind (nightly snapshots, diff reports, nightly summaries, run manifests)
/// and each kind is judged on its own. An item is pruned only when the policy says so for every
/// limit given: older than `keepDays` *and* not among the newest `keepCount`. The newest item
/// of each kind and every protected item (the last run's manifests, the snapshot just made) are
/// never pruned, whatever the policy.
public enum Retention {
    public struct Policy: Sendable, Equatable {
        public var keepDays: Int?
        public var keepCount: Int?

        public init(keepDays: Int? = nil, keepCount: Int? = nil) {
            self.keepDays = keepDays
            self.keepCount = keepCount
        }

        /// Without a limit nothing is pruned.
        public var isEmpty: Bool { keepDays == nil && keepCount == nil }
    }

    public enum Kind: String, Sendable, Codable, CaseIterable {
        case snapshot, diffReport = "diff_report", nightlySummary = "nightly_summary", manifest
        /// `.<name>.partial-<n>`: the folder of an export that was killed before it finished.
        case partialSnapshot = "partial_snapshot"
    }

    /// A partial snapshot folder nobody has written to for this long is a leftover of a killed
    /// export (a running one writes continuously), whatever the policy says.
    public static let partialSnapshotAge: TimeInterval = 86_400

    /// One prunable thing: a snapshot folder, or the files of one report (`diff-<time>.md/.json/.html`).
    public struct Item: Sendable, Equatable, Hashable {
        public var kind: Kind
        /// The group's name (`nightly-20260101T000000Z`, `diff-20260101T000000Z-2`).
        public var name: String
        public var date: Date
        /// Every path that belongs to it.
        public var paths: [String]

        public init(kind: Kind, name: String, date: Date, paths: [String]) {
            self.kind = kind
            self.name = name
            self.date = date
            self.paths = paths
        }
    }

    /// The items to delete, oldest first.
    ///
    /// Partial snapshots are not history but debris: they go once untouched for
    /// `partialSnapshotAge`, with or without a policy, and no newest one is kept.
    public static func select(_ items: [Item], policy: Policy, now: Date, protected: Set<String> = []) -> [Item] {
        var prune = items.filter { $0.kind == .partialSnapshot && now.timeIntervalSince($0.date) > partialSnapshotAge }
        guard !policy.isEmpty else { return prune }
        for kind in Kind.allCases where kind != .partialSnapshot {
            // Protected items are this night's, so they rank newest even when an older item
            // carries the same second in its name.
            func isProtected(_ item: Item) -> Bool { item.paths.contains(where: protected.contains) || protected.contains(item.name) }
            let newestFirst = items.filter { $0.kind == kind }.sorted {
                (isProtected($0) ? 1 : 0, $0.date, $0.name) > (isProtected($1) ? 1 : 0, $1.date, $1.name)
            }
            for (rank, item) in newestFirst.enumerated() {
                if rank == 0 { continue }
                if isProtected(item) { continue }
                var expired = true
                if let keepCount = policy.keepCount, rank < keepCount { expired = false }
                if let keepDays = policy.keepDays, now.timeIntervalSince(item.date) <= Double(keepDays) * 86_400 { expired = false }
                if expired { prune.append(item) }
            }
        }
        return prune.sorted { ($0.date, $0.name) < ($1.date, $1.name) }
    }

    // MARK: Naming

    /// Recognizes the names the tool writes and groups the files of one report. Anything else
    /// (`latest.*`, `nightly-latest.json`, `backfill.prom`, a user's own snapshot) is not an item
    /// and therefore never pruned.
    public static func classify(name: String, isDirectory: Bool, in folder: Folder) -> (kind: Kind, group: String, date: Date)? {
        switch folder {
        case .snapshots:
            guard isDirectory, name.hasPrefix("nightly-"), let date = stampDate(in: name.dropFirst("nightly-".count)) else { return nil }
            return (.snapshot, name, date)
        case .reports:
            guard !isDirectory else { return nil }
            let base = String(name.prefix { $0 != "." })
            for (prefix, kind) in [("diff-", Kind.diffReport), ("nightly-", Kind.nightlySummary)] where base.hasPrefix(prefix) {
                guard let date = stampDate(in: base.dropFirst(prefix.count)) else { return nil }
                return (kind, base, date)
            }
            return nil
        case .manifests:
            guard !isDirectory, name.hasPrefix("run-"), name.hasSuffix(".json"),
                  let date = stampDate(in: name.dropFirst("run-".count)) else { return nil }
            return (.manifest, name, date)
        }
    }

    public enum Folder: Sendable { case snapshots, reports, manifests }

    /// Partial snapshot folders (`SnapshotListing.partials` finds them), each dated by its last
    /// write: the newest modification time of the folder and the files in it.
    public static func partialSnapshotItems(_ partials: [(path: String, lastWritten: Date)]) -> [Item] {
        partials.map { Item(kind: .partialSnapshot, name: ($0.path as NSString).lastPathComponent, date: $0.lastWritten, paths: [$0.path]) }
    }

    /// Groups a folder listing into items.
    public static func items(_ entries: [(name: String, isDirectory: Bool)], in folder: Folder, path: String) -> [Item] {
        var groups: [String: Item] = [:]
        for entry in entries {
            guard let (kind, group, date) = classify(name: entry.name, isDirectory: entry.isDirectory, in: folder) else { continue }
            let full = (path as NSString).appendingPathComponent(entry.name)
            groups[group, default: Item(kind: kind, name: group, date: date, paths: [])].paths.append(full)
        }
        return groups.values.map { var item = $0; item.paths.sort(); return item }
    }

    /// Reads the leading `yyyyMMddTHHmmssZ` of a name (what `Timestamps.compact` writes).
    static func stampDate(in text: Substring) -> Date? {
        let stamp = Array(text.prefix(16).utf8)
        guard stamp.count == 16, stamp[8] == UInt8(ascii: "T"), stamp[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in stamp[range] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
    }
}
