import ArgumentParser
import Backfill

/// Which records: a start (`--since`, `--from-beginning` or `--after`) and an optional `--until`.
struct BoundsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Start at the first record whose timestamp is at or after this instant: RFC 3339 (2026-11-22T00:00:00Z), 'now', or relative (-24h, -90m, -7d).", valueName: "instant"))
    var since: String?

    @Option(help: ArgumentHelp("Stop before the first record whose timestamp is at or after this instant (same forms as --since). Default: the current end of each partition.", valueName: "instant"))
    var until: String?

    @Flag(help: "Start at the earliest record Kafka still retains.")
    var fromBeginning = false

    @Option(help: ArgumentHelp("Start exactly where the run of this manifest ended (chained runs never skip or repeat a record).", valueName: "manifest.json"))
    var after: String?

    func validate() throws {
        let starts = [since != nil, fromBeginning, after != nil].filter { $0 }.count
        guard starts == 1 else {
            throw ValidationError("choose exactly one start: --since INSTANT, --from-beginning, or --after MANIFEST")
        }
    }

    func bounds() throws -> RunBounds {
        let start: RunBounds.Start
        if let since { start = .timestamp(try InstantParser.parse(since)) }
        else if let after { start = .after(try RunManifest.load(path: after), path: after) }
        else { start = .beginning }
        let end: RunBounds.End = try until.map { $0 == "now" ? .latest : .timestamp(try InstantParser.parse($0)) } ?? .latest
        return RunBounds(start: start, end: end)
    }
}
