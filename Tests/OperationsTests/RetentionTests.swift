import Foundation
import Operations
import Testing

@Suite("Retention")
struct RetentionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func snapshot(_ daysAgo: Int, _ name: String? = nil) -> Retention.Item {
        let date = now.addingTimeInterval(-Double(daysAgo) * 86_400)
        let name = name ?? "nightly-\(daysAgo)"
        return Retention.Item(kind: .snapshot, name: name, date: date, paths: ["snapshots/\(name)"])
    }

    @Test("without a limit nothing is pruned")
    func noPolicy() {
        let items = (0..<10).map { snapshot($0 * 30) }
        #expect(Retention.select(items, policy: .init(), now: now).isEmpty)
    }

    @Test("keep-days prunes only items older than that many days")
    func keepDays() {
        let items = [snapshot(0), snapshot(3), snapshot(7), snapshot(8), snapshot(30)]
        let pruned = Retention.select(items, policy: .init(keepDays: 7), now: now)
        #expect(pruned.map(\.name) == ["nightly-30", "nightly-8"])
    }

    @Test("keep N keeps the newest N of each kind")
    func keepCount() {
        let items = [snapshot(1), snapshot(2), snapshot(3), snapshot(4),
                     Retention.Item(kind: .diffReport, name: "diff-a", date: now.addingTimeInterval(-400 * 86_400), paths: ["a.md", "a.json"])]
        let pruned = Retention.select(items, policy: .init(keepCount: 2), now: now)
        #expect(pruned.map(\.name) == ["nightly-4", "nightly-3"])
    }

    @Test("with both limits an item goes only when it is old and not among the newest N")
    func both() {
        let items = [snapshot(1), snapshot(20), snapshot(30), snapshot(40)]
        #expect(Retention.select(items, policy: .init(keepDays: 7, keepCount: 3), now: now).map(\.name) == ["nightly-40"])
        #expect(Retention.select(items, policy: .init(keepDays: 35, keepCount: 1), now: now).map(\.name) == ["nightly-40"])
    }

    @Test("the newest item of a kind survives even when it is older than keep-days")
    func newestSurvives() {
        let items = [snapshot(100), snapshot(200)]
        #expect(Retention.select(items, policy: .init(keepDays: 1), now: now).map(\.name) == ["nightly-200"])
        #expect(Retention.select([snapshot(100)], policy: .init(keepDays: 0, keepCount: 1), now: now).isEmpty)
    }

    @Test("a protected item counts as the newest when an older one carries the same second")
    func protectedRanksNewest() {
        // Two nights within one second: names sort the older run after this night's.
        let tonight = Retention.Item(kind: .manifest, name: "run-20260101T000000Z-aaaaaa", date: now, paths: ["m/a.json"])
        let earlier = Retention.Item(kind: .manifest, name: "run-20260101T000000Z-ffffff", date: now, paths: ["m/f.json"])
        let pruned = Retention.select([earlier, tonight], policy: .init(keepCount: 1), now: now, protected: ["m/a.json"])
        #expect(pruned.map(\.name) == ["run-20260101T000000Z-ffffff"])
    }

    @Test("protected items (the last run's manifests) are never pruned")
    func protectedItems() {
        let manifest = Retention.Item(kind: .manifest, name: "run-old.json", date: now.addingTimeInterval(-90 * 86_400), paths: ["m/run-old.json"])
        let newer = Retention.Item(kind: .manifest, name: "run-new.json", date: now, paths: ["m/run-new.json"])
        let older = Retention.Item(kind: .manifest, name: "run-older.json", date: now.addingTimeInterval(-99 * 86_400), paths: ["m/run-older.json"])
        let pruned = Retention.select([manifest, newer, older], policy: .init(keepDays: 1), now: now, protected: ["m/run-old.json"])
        #expect(pruned.map(\.name) == ["run-older.json"])
    }

    @Test("only the tool's own timestamped names are items; latest copies and other folders are not")
    func classification() {
        let reports: [(name: String, isDirectory: Bool)] = [
            ("diff-20260101T000000Z.md", false), ("diff-20260101T000000Z.json", false), ("diff-20260101T000000Z.html", false),
            ("diff-20260102T000000Z-2.md", false), ("latest.md", false), ("nightly-latest.json", false),
            ("nightly-20260103T010203Z.json", false), ("backfill.prom", false), ("diff-notes.txt", false),
        ]
        let items = Retention.items(reports, in: .reports, path: "reports").sorted { $0.name < $1.name }
        #expect(items.map(\.name) == ["diff-20260101T000000Z", "diff-20260102T000000Z-2", "nightly-20260103T010203Z"])
        #expect(items[0].paths == ["reports/diff-20260101T000000Z.html", "reports/diff-20260101T000000Z.json", "reports/diff-20260101T000000Z.md"])
        #expect(items[2].kind == .nightlySummary)
        #expect(items[2].date == Date(timeIntervalSince1970: 1_767_402_123))

        let snapshots: [(name: String, isDirectory: Bool)] = [
            ("nightly-20260101T000000Z", true), ("lifestream-20260101T000000Z", true), ("manifests", true), ("nightly-20260101T000000Z.txt", false),
        ]
        #expect(Retention.items(snapshots, in: .snapshots, path: "s").map(\.name) == ["nightly-20260101T000000Z"])

        let manifests: [(name: String, isDirectory: Bool)] = [("latest.json", false), ("run-20260101T000000Z-abc123.json", false)]
        #expect(Retention.items(manifests, in: .manifests, path: "m").map(\.name) == ["run-20260101T000000Z-abc123.json"])
    }

    @Test("a partial snapshot folder untouched for more than a day is pruned with or without a policy; a fresher one stays")
    func partialSnapshots() {
        let partials = Retention.partialSnapshotItems([
            ("snapshots/.nightly-a.partial-1", now.addingTimeInterval(-2 * 86_400)),
            ("snapshots/.export.partial-2", now.addingTimeInterval(-3_600)),
        ])
        #expect(partials.map(\.kind) == [.partialSnapshot, .partialSnapshot])
        #expect(Retention.select(partials, policy: .init(), now: now).map(\.name) == [".nightly-a.partial-1"])
        let withPolicy = Retention.select(partials + [snapshot(1), snapshot(30)], policy: .init(keepCount: 5), now: now)
        #expect(withPolicy.map(\.name) == [".nightly-a.partial-1"])
    }
}
