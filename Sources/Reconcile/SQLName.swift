import Postgres

/// Identifier quoting for the statements the diff builds; values always go as parameters.
enum SQLName {
    static func quote(_ name: String) -> String { SQL.quoteIdentifier(name) }
    static func qualified(_ schema: String, _ table: String) -> String { SQL.qualifiedName(schema, table) }
}
