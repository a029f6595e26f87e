import Lifestream

/// What the diff needs to know about a table before looking at the catalog: its name, the
/// key rows are matched on, and which column names the subject (for cause analysis).
///
/// Columns and their types come from the catalog of both sides instead, so the engine
/// compares whatever the tables really hold and refuses when the two sides disagree.
public struct TableSpec: Sendable, Hashable {
    public var name: String
    public var primaryKey: [String]
    /// The column naming the event subject; nil when the table has none (no causes for it).
    public var subjectColumn: String?

    public init(name: String, primaryKey: [String], subjectColumn: String? = nil) {
        self.name = name
        self.primaryKey = primaryKey
        self.subjectColumn = subjectColumn
    }

    /// A contract table: keyed as defined, subject in `subject_id` (every lifestream table has it).
    public init(_ definition: TableDefinition) {
        self.init(name: definition.name, primaryKey: definition.primaryKey,
                  subjectColumn: definition.columnNames.contains("subject_id") ? "subject_id" : nil)
    }

    /// The nine lifestream tables, in `LifestreamTables.all` order.
    public static let lifestream: [TableSpec] = LifestreamTables.all.map(TableSpec.init)

    /// The specs named in `names` (in the order of `specs`), or an error naming the unknown ones.
    public static func select(_ names: [String], from specs: [TableSpec] = lifestream) throws -> [TableSpec] {
        let known = Set(specs.map(\.name))
        let unknown = names.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw ReconcileError(
                code: .unknownTable,
                message: "unknown table\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")); "
                    + "known tables are \(specs.map(\.name).joined(separator: ", "))")
        }
        let wanted = Set(names)
        return specs.filter { wanted.contains($0.name) }
    }
}
