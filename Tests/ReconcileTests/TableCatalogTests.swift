import Testing
@testable import Reconcile

@Suite("Table shape checks")
struct TableCatalogTests {
    static let spec = TableSpec(name: "t", primaryKey: ["id"], subjectColumn: "id")
    static let columns = [DiffColumn(name: "id", type: "text"), DiffColumn(name: "v", type: "double precision")]

    @Test("accepts the same columns in another order and keeps the left order")
    func reordered() throws {
        let table = try TableResolver.resolve(Self.spec, leftColumns: Self.columns, rightColumns: Self.columns.reversed(),
                                             leftSchema: "l", rightSchema: "r")
        #expect(table.keyColumns.map(\.name) == ["id"])
        #expect(table.valueColumns.map(\.name) == ["v"])
        #expect(table.subjectIndex == 0)
    }

    @Test("refuses a column that exists on one side only, or with another type")
    func mismatch() throws {
        let extra = Self.columns + [DiffColumn(name: "w", type: "text")]
        #expect(throws: ReconcileError(code: .columnMismatch,
                                       message: "table t differs in shape between the sides: column w exists only on the right (r)")) {
            try TableResolver.resolve(Self.spec, leftColumns: Self.columns, rightColumns: extra, leftSchema: "l", rightSchema: "r")
        }
        let retyped = [DiffColumn(name: "id", type: "text"), DiffColumn(name: "v", type: "numeric")]
        do {
            _ = try TableResolver.resolve(Self.spec, leftColumns: Self.columns, rightColumns: retyped, leftSchema: "l", rightSchema: "r")
            Issue.record("a type mismatch was accepted")
        } catch let error as ReconcileError {
            #expect(error.code == .columnMismatch)
            #expect(error.description.contains("column v is double precision on the left but numeric on the right"))
        }
    }

    @Test("refuses a table without its key column")
    func missingKey() {
        let spec = TableSpec(name: "t", primaryKey: ["id", "at"])
        #expect(throws: ReconcileError.self) {
            try TableResolver.resolve(spec, leftColumns: Self.columns, rightColumns: Self.columns, leftSchema: "l", rightSchema: "r")
        }
    }

    @Test("selects tables by name and names the unknown ones")
    func selection() throws {
        #expect(try TableSpec.select(["todos", "links"]).map(\.name) == ["links", "todos"])
        do {
            _ = try TableSpec.select(["links", "nope"])
            Issue.record("an unknown table was accepted")
        } catch let error as ReconcileError {
            #expect(error.code == .unknownTable)
            #expect(error.message.hasPrefix("unknown table nope; known tables are subjects, links"))
        }
        #expect(TableSpec.lifestream.count == 9)
        #expect(TableSpec.lifestream.allSatisfy { $0.subjectColumn == "subject_id" })
    }
}
