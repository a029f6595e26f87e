import Foundation
import Postgres
import Store

/// What `reports/cutover-latest.json` said, as far as this check needs it.
public enum CutoverReportState: Sendable, Equatable {
    case absent
    /// There but not a report this check can read (not JSON, no verdict or time).
    case unreadable(String)
    case found(verdict: String, generatedAt: Date)
}

/// The outcome of a fresh diff of the live tables against the shadow, in numbers.
public struct FreshDiff: Sendable, Equatable {
    public var verdict: String
    public var differences: Int
    public var leftRows: Int
    public var rightRows: Int
    /// Tables with differences: "links: 3".
    public var tables: [String]

    public init(verdict: String, differences: Int, leftRows: Int, rightRows: Int, tables: [String]) {
        self.verdict = verdict
        self.differences = differences
        self.leftRows = leftRows
        self.rightRows = rightRows
        self.tables = tables
    }
}

/// Check 3: the latest cutover report (or, when there is none recent enough, a fresh diff)
/// says the live tables match the rebuild; `--force REASON` overrides a failure and is recorded.
enum CutoverCheck {
    static let number = 3
    static let name = "cutover"

    /// Reads the two fields the check needs from `backfill cutover-report`'s JSON.
    static func readReport(at path: String) -> CutoverReportState {
        guard FileManager.default.fileExists(atPath: path) else { return .absent }
        guard let data = FileManager.default.contents(atPath: path) else { return .unreadable("it cannot be read") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return .unreadable("it is not a JSON object")
        }
        guard let verdict = object["verdict"] as? String else { return .unreadable("it has no \"verdict\"") }
        guard let text = object["generated_at"] as? String, let date = parseRFC3339(text) else {
            return .unreadable("it has no RFC 3339 \"generated_at\"")
        }
        return .found(verdict: verdict, generatedAt: date)
    }

    static func parseRFC3339(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// Whether the report alone decides (it is there, readable and no older than `maxAge`).
    static func isUsable(_ state: CutoverReportState, now: Date, maxAge: TimeInterval) -> Bool {
        if case .found(_, let generatedAt) = state { return now.timeIntervalSince(generatedAt) <= maxAge }
        return false
    }

    /// Pure: the verdict. `fresh` is the diff run because the report was not usable (nil when
    /// none ran); `diffError` why it could not run.
    static func evaluate(report state: CutoverReportState, reportPath: String, now: Date, maxAge: TimeInterval,
                         fresh: FreshDiff?, diffError: String?, force: String?) -> CleanupCheck {
        var evidence: [String: Fact] = ["report": .text(reportPath), "max_report_age_seconds": .int(Int64(maxAge))]
        var details: [String] = []
        let finding: String
        let passed: Bool
        switch state {
        case .absent:
            evidence["report_state"] = .text("absent")
            details.append("\(reportPath) does not exist")
        case .unreadable(let why):
            evidence["report_state"] = .text("unreadable")
            details.append("\(reportPath) is unusable: \(why)")
        case .found(let verdict, let generatedAt):
            let age = now.timeIntervalSince(generatedAt)
            evidence["report_state"] = .text(age <= maxAge ? "current" : "stale")
            evidence["report_verdict"] = .text(verdict)
            evidence["report_generated_at"] = .text(Timestamps.iso(generatedAt))
            evidence["report_age_seconds"] = .int(Int64(age.rounded(.down)))
            if age > maxAge {
                details.append("\(reportPath) (verdict \(verdict)) is from \(Timestamps.iso(generatedAt)), \(hours(age)) old, over the limit of \(hours(maxAge))")
            }
        }
        if isUsable(state, now: now, maxAge: maxAge), case .found(let verdict, let generatedAt) = state {
            passed = verdict == "pass"
            finding = "the cutover report of \(Timestamps.iso(generatedAt)) (\(hours(now.timeIntervalSince(generatedAt))) old) says \(verdict)"
        } else if let fresh {
            evidence["diff_verdict"] = .text(fresh.verdict)
            evidence["diff_differences"] = .int(Int64(fresh.differences))
            evidence["diff_live_rows"] = .int(Int64(fresh.leftRows))
            evidence["diff_shadow_rows"] = .int(Int64(fresh.rightRows))
            if !fresh.tables.isEmpty { details.append("differing rows per table: \(fresh.tables.joined(separator: ", "))") }
            passed = fresh.verdict != "diverged"
            finding = "a fresh diff found \(fresh.differences) differing rows (\(fresh.verdict)) between \(fresh.leftRows) live and \(fresh.rightRows) rebuilt rows"
        } else if let diffError {
            evidence["diff_error"] = .text(diffError)
            passed = false
            finding = "there is no current cutover report and a fresh diff could not run: \(diffError)"
        } else {
            passed = false
            finding = "there is no current cutover report"
        }
        if passed {
            return CleanupCheck(number: number, name: name, status: .pass, summary: finding, evidence: evidence, details: details)
        }
        if let force {
            evidence["forced_reason"] = .text(force)
            return CleanupCheck(number: number, name: name, status: .forced,
                                summary: "\(finding); overridden by --force: \(force)", evidence: evidence, details: details)
        }
        return CleanupCheck(number: number, name: name, status: .fail,
                            summary: finding + " (run `backfill cutover-report`, or pass --force REASON)", evidence: evidence, details: details)
    }

    static func hours(_ seconds: TimeInterval) -> String {
        seconds < 3600 ? "\(Int(seconds / 60)) min" : String(format: "%.1f h", seconds / 3600)
    }
}
