import Lifestream

/// The tables and columns a rules file may name, with their types: the contract's nine tables
/// (for `backfill rules check`, before any connection), overlaid by the compared tables as the
/// catalog of the servers describes them (when a diff runs).
public struct RulesCatalog: Sendable {
    public struct Table: Sendable {
        public var keyColumns: [DiffColumn]
        public var valueColumns: [DiffColumn]
        public init(keyColumns: [DiffColumn], valueColumns: [DiffColumn]) {
            self.keyColumns = keyColumns
            self.valueColumns = valueColumns
        }
    }

    public var tables: [String: Table]

    public init(tables: [String: Table]) { self.tables = tables }

    /// The contract's tables, typed as `format_type` prints them.
    public static let lifestream = RulesCatalog(tables: Dictionary(uniqueKeysWithValues: LifestreamTables.all.map { definition in
        func column(_ column: TableDefinition.Column) -> DiffColumn {
            DiffColumn(name: column.name, type: column.type == "timestamptz" ? "timestamp with time zone" : column.type)
        }
        return (definition.name, Table(keyColumns: definition.primaryKey.compactMap { key in definition.columns.first { $0.name == key } }.map(column),
                                       valueColumns: definition.nonKeyColumns.map(column)))
    }))

    /// This catalog with the compared tables as the servers have them.
    func overlaid(with resolved: [ResolvedTable]) -> RulesCatalog {
        var tables = self.tables
        for table in resolved { tables[table.name] = Table(keyColumns: table.keyColumns, valueColumns: table.valueColumns) }
        return RulesCatalog(tables: tables)
    }
}

extension VerdictRules {
    /// Checks every column rule against `catalog`: the table and column exist, the column is
    /// not part of the key, and its type suits the comparison. Errors name the rule's line.
    public func validate(against catalog: RulesCatalog) throws {
        for rule in columns {
            func error(_ message: String) -> ReconcileError {
                ReconcileError(code: .invalidRules, message: "\(file):\(rule.line): \(message)")
            }
            guard let table = catalog.tables[rule.table] else {
                throw error("unknown table \(rule.table); the tables are \(catalog.tables.keys.sorted().joined(separator: ", "))")
            }
            if table.keyColumns.contains(where: { $0.name == rule.column }) {
                throw error("\(rule.table).\(rule.column) is part of the primary key, which rows are matched on; "
                            + "a key column cannot be ignored or compared loosely")
            }
            guard let column = table.valueColumns.first(where: { $0.name == rule.column }) else {
                throw error("table \(rule.table) has no column \(rule.column); its columns are "
                            + (table.keyColumns + table.valueColumns).map(\.name).joined(separator: ", "))
            }
            switch rule.comparison {
            case .ignore:
                break
            case .tolerance where ColumnStatistics.Kind(of: column) != .number:
                throw error("a tolerance needs a number column, and \(rule.table).\(rule.column) is \(column.type)")
            case .precision where ColumnStatistics.Kind(of: column) != .time:
                throw error("a precision needs a timestamp column, and \(rule.table).\(rule.column) is \(column.type)")
            default:
                break
            }
        }
    }
}
