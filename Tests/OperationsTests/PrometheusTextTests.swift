import Foundation
import Operations
import Testing

@Suite("Nightly summary and Prometheus text")
struct PrometheusTextTests {
    func summary() -> NightlySummary {
        var summary = NightlySummary(toolVersion: "t", startedAt: Date(timeIntervalSince1970: 1_800_000_000), topic: "events.raw",
                                     liveSchema: "lifestream", shadowSchema: "lifestream_shadow")
        summary.finishedAt = Date(timeIntervalSince1970: 1_800_000_090)
        summary.exitCode = 1
        summary.outcome = "diverged"
        summary.steps = [.init(name: "ingest", seconds: 12.5, status: "ok"), .init(name: "diff", seconds: 2, status: "ok")]
        summary.events = .init(read: 100, valid: 90, duplicate: 6, quarantined: 4)
        summary.diff = .init(verdict: "diverged", differences: 3, tables: ["subjects": 3, "notes": 0], reports: ["r/diff-x.html"])
        return summary
    }

    @Test("every metric has HELP and TYPE, and samples carry the summary's numbers")
    func renders() {
        let text = PrometheusText.render(summary(), now: Date())
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("backfill_nightly_last_run_timestamp_seconds 1800000090"))
        #expect(lines.contains("backfill_nightly_exit_code 1"))
        #expect(lines.contains("backfill_nightly_step_duration_seconds{step=\"ingest\"} 12.5"))
        #expect(lines.contains("backfill_events_total{kind=\"quarantined\"} 4"))
        #expect(lines.contains("backfill_diff_rows{table=\"subjects\"} 3"))
        #expect(lines.contains("backfill_diff_rows{table=\"notes\"} 0"))
        // Each metric name is introduced once by TYPE before its samples.
        for line in lines where !line.hasPrefix("#") {
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            #expect(lines.firstIndex(of: lines.first { $0.hasPrefix("# TYPE \(name) ") } ?? "")! < lines.firstIndex(of: line)!)
        }
        #expect(text.hasSuffix("\n"))
    }

    @Test("label values are escaped")
    func escaping() {
        var s = summary()
        s.steps = [.init(name: "we\"ird\\step\nx", seconds: 1, status: "ok")]
        #expect(PrometheusText.render(s, now: Date()).contains("{step=\"we\\\"ird\\\\step\\nx\"} 1"))
    }

    @Test("the summary survives a JSON round trip and its text fits one screen")
    func summaryRoundTrip() throws {
        var s = summary()
        s.notes = (0..<64).map { "partition \($0): nothing new (start is at the end)" }
        #expect(try NightlySummary.decode(s.encoded()) == s)
        let text = s.text()
        #expect(text.split(separator: "\n").count < 24)
        #expect(text.contains("DIVERGED (exit 1)"))
        #expect(text.contains("subjects 3"))
        #expect(text.contains("… and 60 more in the JSON summary"))
    }
}
