import ArgumentParser
import Operations
import Reconcile

/// `--rules FILE` / `--no-rules`: the verdict rules a diff is judged by (`diff`,
/// `cutover-report`, `nightly`). Else BACKFILL_RULES from the environment, `.env` or the
/// config file. See `backfill rules --help` and docs/operations/verdict-rules.md.
struct RulesOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Verdict rules (TOML): columns ignored or compared with a tolerance or precision, causes accepted up to a limit, each with its reason. Default: $BACKFILL_RULES.", valueName: "file"))
    var rules: String?

    @Flag(name: .customLong("no-rules"), help: "Judge by --max-diff-rows alone, even when BACKFILL_RULES is set.")
    var noRules = false

    func validate() throws {
        if rules != nil && noRules { throw ValidationError("--rules and --no-rules contradict each other; give one") }
    }

    /// The rules in effect, parsed and checked against the contract's tables (errors name the
    /// file and line: exit 2); nil when none is set.
    func load() throws -> VerdictRules? {
        guard !noRules else { return nil }
        guard let path = try rules ?? Environment.value(.rules) else { return nil }
        let loaded = try VerdictRules.load(path: path)
        try loaded.validate(against: .lifestream)
        return loaded
    }
}
