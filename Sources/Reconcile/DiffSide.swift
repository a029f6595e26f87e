import Postgres

/// One side of a comparison: a schema in a database.
public struct DiffSide: Sendable {
    public var configuration: PostgresConfiguration
    public var schema: String

    public init(configuration: PostgresConfiguration, schema: String) {
        self.configuration = configuration
        self.schema = schema
    }

    /// What reports show: the schema and the URL with its password masked.
    public var source: DiffSource {
        DiffSource(schema: schema, database: configuration.redactedURL)
    }
}
