import ArgumentParser
import Backfill
import Foundation
import Snapshot
import Store

/// Which records: a start (`--since`, `--from-beginning` or `--after`) and an optional `--until`.
struct BoundsOptions: ParsableArguments {
    // `.unconditional`: the value may start with '-' (`--since -24h`), which ArgumentParser
    // would otherwise take for the next option and report as a missing value.
    @Option(parsing: .unconditional, help: ArgumentHelp("Start at the first record whose timestamp is at or after this instant: RFC 3339 (2026-11-22T00:00:00Z), 'now', or relative (-24h, -90m, -7d).", valueName: "instant"))
    var since: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Stop before the first record whose timestamp is at or after this instant (same forms as --since). Default: the current end of each partition.", valueName: "instant"))
    var until: String?

    @Flag(help: "Start at the earliest record Kafka still retains.")
    var fromBeginning = false

    @Option(help: ArgumentHelp("Start exactly where an earlier run ended (chained runs never skip or repeat a record): its run manifest, or a snapshot folder (or its manifest.json) exported with --checkpoint, whose checkpoint offsets are used.", valueName: "manifest.json|snapshot"))
    var after: String?

    /// At most one start here; a command that needs one (every one but `embed --follow`, which
    /// resumes from its checkpoint) calls `requireStart()` in its own `validate()`.
    func validate() throws {
        guard startCount <= 1 else {
            throw ValidationError("choose one start: --since INSTANT, --from-beginning, or --after MANIFEST|SNAPSHOT")
        }
        try Self.checkWindow(since: since, until: until)
    }

    private var startCount: Int { [since != nil, fromBeginning, after != nil].filter { $0 }.count }

    /// Whether a start was given at all.
    var hasStart: Bool { startCount > 0 }

    func requireStart() throws {
        guard startCount == 1 else {
            throw ValidationError("choose exactly one start: --since INSTANT, --from-beginning, or --after MANIFEST|SNAPSHOT")
        }
    }

    /// The start alone (`embed --follow`), nil when none was given.
    func start() throws -> RunBounds.Start? {
        hasStart ? try bounds().start : nil
    }

    /// Both instants parse, and a window given by both is not empty: `--since` must be before
    /// `--until` (an equal pair selects nothing, an inverted one would read nothing and exit 0).
    /// Relative forms are resolved against one `now`, so `--since -1h --until -2h` is caught too.
    static func checkWindow(since: String?, until: String?, now: Date = Date()) throws {
        func instant(_ text: String, _ flag: String) throws -> Int64 {
            do { return try InstantParser.parse(text, now: now) } catch { throw ValidationError("\(flag): \(error)") }
        }
        let start = try since.map { try instant($0, "--since") }
        let end = try until.map { try instant($0, "--until") }
        guard let start, let end, start >= end else { return }
        let shown = "--since \(since!) (\(InstantParser.format(start))) and --until \(until!) (\(InstantParser.format(end)))"
        throw ValidationError(start == end
            ? "\(shown) are the same instant, so the window selects no record; --until must be later than --since"
            : "the window is inverted: \(shown) — --since must be earlier than --until")
    }

    func bounds() throws -> RunBounds {
        let start: RunBounds.Start
        if let since { start = .timestamp(try InstantParser.parse(since)) }
        else if let after { start = try Self.afterStart(after) }
        else { start = .beginning }
        let end: RunBounds.End = try until.map { $0 == "now" ? .latest : .timestamp(try InstantParser.parse($0)) } ?? .latest
        return RunBounds(start: start, end: end)
    }

    /// `--after PATH`: a snapshot folder, a snapshot's `manifest.json`, or a run (or embedding)
    /// manifest — whatever `Checkpoint.read` reads.
    static func afterStart(_ path: String) throws -> RunBounds.Start {
        .checkpoint(try Checkpoint.read(path: path))
    }
}
