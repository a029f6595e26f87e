import ArgumentParser
import Foundation
import Redaction

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
            CleanupLegacyCommand.self,
            NightlyCommand.self,
            ConfigCommand.self,
            EmbedCommand.self,
            GenerateTextsCommand.self,
        ]
    )

    /// ArgumentParser's own `main`, except that a parse error is redacted before it is printed:
    /// it may quote an argument back (`Unexpected argument 'postgres://app:pw@db/x'` after a
    /// mistyped `--database-url`). Help and other clean exits print as they are.
    static func main() {
        do {
            var command = try parseAsRoot()
            _ = KnownSecrets.all  // gathered once, on this thread, before any worker logs
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
            } else if !message.isEmpty {
                FileHandle.standardError.write(Data((redacted(message) + "\n").utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}
