import Lifestream
import Postgres

/// The schema the nine tables are written to (a shadow for verification, or the live one for repair).
public struct TargetSchema: Sendable {
    public var name: String
    public init(name: String) { self.name = name }

    public var q: String { SQL.quoteIdentifier(name) }
    public func table(_ table: String) -> String { "\(q).\(SQL.quoteIdentifier(table))" }

    /// Schema, nine tables and quarantine, from the contract; existing tables are left alone.
    public var createStatements: String {
        var statements = ["create schema if not exists \(q)"]
        for definition in LifestreamTables.all + [LifestreamTables.quarantine] {
            statements.append(definition.createStatement(schema: name, quote: SQL.quoteIdentifier))
        }
        return statements.joined(separator: ";\n") + ";"
    }
}
