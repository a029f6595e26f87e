import Foundation
import Operations
import Testing

@Suite("The nightly's choice of diff")
struct DiffPolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    func daysAgo(_ days: Double) -> Date { now.addingTimeInterval(-days * 86_400) }

    @Test("incremental by default; full when asked, without a verified point, after gap runs, or when the last full one is --full-every old")
    func decisions() {
        let policy = DiffPolicy()
        #expect(policy.decide(.init(lastVerified: nil, lastFull: nil), now: now).full)
        #expect(policy.decide(.init(lastVerified: nil, lastFull: nil), now: now).reason.contains("no verified point"))
        #expect(!policy.decide(.init(lastVerified: daysAgo(1), lastFull: daysAgo(6.9)), now: now).full)
        let old = policy.decide(.init(lastVerified: daysAgo(1), lastFull: daysAgo(7)), now: now)
        #expect(old.full && old.reason == "the last full diff was 7d ago (--full-every 7d)")
        #expect(policy.decide(.init(lastVerified: daysAgo(1), lastFull: nil), now: now).full)
        #expect(policy.decide(.init(lastVerified: daysAgo(1), lastFull: daysAgo(1), runsBeforeCheckpoint: ["run-x"]), now: now).reason.contains("run-x"))
        #expect(DiffPolicy(mode: .full).decide(.init(lastVerified: daysAgo(1), lastFull: daysAgo(0)), now: now).full)
        #expect(DiffPolicy(fullEvery: 0).decide(.init(lastVerified: now, lastFull: now), now: now).full)
        #expect(!DiffPolicy(fullEvery: nil).decide(.init(lastVerified: daysAgo(1), lastFull: daysAgo(400)), now: now).full)
    }

    @Test("spans and modes are read strictly, the error naming where the value came from")
    func parsing() throws {
        #expect(try DiffPolicy.interval("7d", origin: "--full-every") == 7 * 86_400)
        #expect(try DiffPolicy.interval("36h", origin: "x") == 36 * 3_600)
        #expect(try DiffPolicy.interval("2w", origin: "x") == 14 * 86_400)
        #expect(try DiffPolicy.interval("0", origin: "x") == 0)
        #expect(try DiffPolicy.interval("never", origin: "x") == nil)
        #expect(try DiffPolicy.mode(" Full ", origin: "x") == .full)
        for bad in ["7", "d", "-1d", "1.5d", "weekly"] {
            let error = #expect(throws: OperationsError.self) { try DiffPolicy.interval(bad, origin: "BACKFILL_FULL_EVERY (from backfill.conf:3)") }
            #expect(error?.message.contains("BACKFILL_FULL_EVERY (from backfill.conf:3) must be a span") == true)
        }
        #expect(throws: OperationsError.self) { try DiffPolicy.mode("partial", origin: "--diff") }
    }

    @Test("the summary and the metrics say which diff ran, how many subjects it covered, and the rows per cause")
    func summaryAndMetrics() throws {
        var summary = NightlySummary(toolVersion: "t", startedAt: now, topic: "events.raw", liveSchema: "lifestream", shadowSchema: "lifestream_shadow")
        summary.finishedAt = now
        summary.diff = .init(verdict: "match", differences: 0, tables: ["links": 0], reports: [])
        summary.diff?.scope = "incremental"
        summary.diff?.scopeReason = "incremental since the last verified point"
        summary.diff?.subjects = 1234
        summary.diff?.causes = ["changed_without_events": 0, "out_of_order": 0]
        summary.diff?.lastFullAt = daysAgo(2)
        let text = PrometheusText.render(summary, now: now)
        for line in ["backfill_diff_incremental 1", "backfill_diff_subjects 1234", "backfill_diff_cause_rows{cause=\"changed_without_events\"} 0",
                     "backfill_diff_last_full_timestamp_seconds 1799827200"] {
            #expect(text.contains(line + "\n"), "missing \(line)")
        }
        #expect(summary.text().contains("  diff scope: incremental, 1234 subjects (incremental since the last verified point)"))
        let json = String(decoding: (try? summary.encoded()) ?? Data(), as: UTF8.self)
        #expect(json.contains("\"scope\" : \"incremental\"") && json.contains("\"scope_reason\"") && json.contains("\"last_full_at\""))
        #expect(try NightlySummary.decode(Data(json.utf8)) == summary)
    }
}
