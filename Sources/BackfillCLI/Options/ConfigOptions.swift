import ArgumentParser

/// `--config PATH`: the config file for this invocation (else $BACKFILL_CONFIG, else
/// `./backfill.conf` if present). See `backfill config check`.
struct ConfigOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Config file of KEY=value lines (see backfill.example.conf). Default: $BACKFILL_CONFIG, else ./backfill.conf if present.", valueName: "path"))
    var config: String?

    func validate() throws {
        if let config { Environment.configPathFlag = config }
    }
}
