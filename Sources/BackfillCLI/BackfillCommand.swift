import ArgumentParser

@main
struct BackfillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Rebuild, verify and archive the event-sourced lifestream tables from Kafka.",
        discussion: """
        Connections come from flags, else environment variables (DATABASE_URL, KAFKA_BROKERS, \
        KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, EMBEDDING_SERVICE_URL), else a .env file in \
        the working directory, else the config file (--config, $BACKFILL_CONFIG or \
        ./backfill.conf). Passwords are never printed. See: backfill config check.

        A typical night:  backfill nightly --snapshot --keep-days 14
        """,
        subcommands: [
            GenerateCommand.self,
            PlanCommand.self,
            RunCommand.self,
            ReplayCommand.self,
            SnapshotCommand.self,
            DiffCommand.self,
            LagCommand.self,
            CutoverReportCommand.self,
            RulesCommand.self,
            CleanupLegacyCommand.self,
            NightlyCommand.self,
            ConfigCommand.self,
            EmbedCommand.self,
            GenerateTextsCommand.self,
        ]
    )
}
