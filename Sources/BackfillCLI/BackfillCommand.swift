import ArgumentParser

@main
struct BackfillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Rebuild, verify and archive the event-sourced lifestream tables from Kafka.",
        discussion: """
        Connections come from flags, else environment variables (DATABASE_URL, KAFKA_BROKERS, \
        KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, EMBEDDING_SERVICE_URL), else a .env file in \
        the working directory. Passwords are never printed.

        A typical night:  backfill plan --after snapshots/manifests/latest.json
                          backfill run  --after snapshots/manifests/latest.json
        """,
        subcommands: [
            GenerateCommand.self,
            PlanCommand.self,
            RunCommand.self,
            ReplayCommand.self,
            SnapshotCommand.self,
            DiffCommand.self,
            EmbedCommand.self,
            GenerateTextsCommand.self,
        ]
    )
}
