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

        Every command takes --quiet (only errors and the result), --log-format text|json (the \
        lines on stderr) and --json (the result on stdout as JSON). Exit status: 0 done, \
        1 diverged or refused, 2 error (one sentence on stderr), 3 locked by another run, \
        64 a usage error.

        Examples:
          backfill config check
          backfill plan --since -24h --until now
          backfill run --from-beginning --target-schema lifestream_shadow
          backfill nightly --snapshot --keep-days 14
        """,
        version: ToolInfo.version,
        subcommands: [
            GenerateCommand.self,
            PlanCommand.self,
            RunCommand.self,
            FollowCommand.self,
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

    /// ArgumentParser's own `main`, with two differences: `InstantArguments` goes first, so
    /// `--since -24h` is read as written; and a parse error is redacted before it is printed: it
    /// may quote an argument back (`Unexpected argument 'postgres://app:pw@db/x'` after a
    /// mistyped `--database-url`). Help and other clean exits print as they are.
    static func main() {
        do {
            var command = try parseAsRoot(InstantArguments.attached(Array(CommandLine.arguments.dropFirst())))
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
