/// A table of the contract: enough to create it, copy into it, order it and compare it.
public struct TableDefinition: Sendable, Hashable {
    public struct Column: Sendable, Hashable {
        public var name: String
        /// The PostgreSQL type as written in DDL (`text`, `timestamptz`, `jsonb`, …).
        public var type: String
        public var nullable: Bool
    }

    public var name: String
    public var columns: [Column]
    public var primaryKey: [String]

    public var columnNames: [String] { columns.map(\.name) }
    public var nonKeyColumns: [Column] { columns.filter { !primaryKey.contains($0.name) } }

    /// `CREATE TABLE IF NOT EXISTS`; `quote` quotes identifiers (the SQL module's, kept out of this pure target).
    public func createStatement(schema: String, quote: (String) -> String) -> String {
        var lines = columns.map { "    \(quote($0.name)) \($0.type)\($0.nullable ? "" : " not null")" }
        lines.append("    primary key (\(primaryKey.map(quote).joined(separator: ", ")))")
        return "create table if not exists \(quote(schema)).\(quote(name)) (\n\(lines.joined(separator: ",\n"))\n)"
    }
}

extension TableDefinition.Column {
    static func column(_ name: String, _ type: String, null: Bool = true) -> Self { .init(name: name, type: type, nullable: null) }
    static func notNull(_ name: String, _ type: String) -> Self { .init(name: name, type: type, nullable: false) }
}
