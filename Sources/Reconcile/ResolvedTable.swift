/// A table whose columns were found, and found equal, on both sides: what the diff runs on.
struct ResolvedTable: Sendable {
    var spec: TableSpec
    /// The primary key columns, in key order.
    var keyColumns: [DiffColumn]
    /// The other columns, in the left table's column order.
    var valueColumns: [DiffColumn]
    /// Character columns whose collation already sorts by bytes, per side (`TableCatalog`).
    var leftByteOrdered: Set<String> = []
    var rightByteOrdered: Set<String> = []

    var name: String { spec.name }
    var allColumns: [DiffColumn] { keyColumns + valueColumns }
    /// Position of the subject column among `allColumns`, when the table has one.
    var subjectIndex: Int? { spec.subjectColumn.flatMap { name in allColumns.firstIndex { $0.name == name } } }
}
