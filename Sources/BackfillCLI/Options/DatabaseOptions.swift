import ArgumentParser
import Postgres

/// Where PostgreSQL is: `--database-url`, else DATABASE_URL (environment, .env or config file).
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: ArgumentHelp("PostgreSQL URL (postgres:// or postgresql://) or libpq conninfo. Default: $DATABASE_URL.", valueName: "url"))
    var databaseURL: String?

    func configuration() throws -> PostgresConfiguration {
        if let databaseURL { return PostgresConfiguration(url: databaseURL) }
        return try PostgresConfiguration.fromEnvironment(Environment.merged())
    }
}
