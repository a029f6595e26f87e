import Postgres
/// Walks one side's rows of the current table in order, checking as it goes that every key is
/// strictly greater than the one before (equal or falling keys would make the merge report
/// false differences, so they stop the diff instead).
struct RowCursor {
    let stream: TableStream
    let keyCount: Int
    /// Names the side and table in errors.
    var source: String
    private(set) var batch: CopyRows?
    private(set) var row = 0
    private(set) var rowsRead = 0
    private var previousBatch: CopyRows?
    private var previousRow = 0
    private(set) var atEnd = false

    init(stream: TableStream, keyCount: Int, source: String) {
        self.stream = stream
        self.keyCount = keyCount
        self.source = source
    }

    var hasRow: Bool { !atEnd && batch != nil }

    /// Starts on the next table: positions on its first row (or its end).
    mutating func startTable(source: String) throws {
        self.source = source
        atEnd = false
        batch = nil
        previousBatch = nil
        rowsRead = 0
        try loadBatch()
    }

    /// Moves to the next row of the table.
    mutating func advance() throws {
        guard let current = batch else { return }
        previousBatch = current
        previousRow = row
        row += 1
        if row >= current.count { try loadBatch() }
        if let batch, !atEnd, let previousBatch {
            guard CopyRows.compareKeys(previousBatch, previousRow, batch, row, count: keyCount) < 0 else {
                let key = (0..<keyCount).map { batch.string(row, $0) ?? "NULL" }.joined(separator: ", ")
                throw ReconcileError(
                    code: .unorderedRows,
                    message: "rows are not in strictly increasing key order at key (\(key)): the key is not unique "
                        + "or the server ordered the rows differently from the merge",
                    context: source)
            }
        }
    }

    private mutating func loadBatch() throws {
        row = 0
        while true {
            switch try stream.queue.pop() {
            case .rows(let rows)?:
                guard rows.count > 0 else { continue }
                batch = rows
                rowsRead += rows.count
                return
            case .endOfTable?:
                atEnd = true
                batch = nil
                return
            case nil:
                throw ReconcileError(code: .malformedCopyData, message: "the row stream ended before the table did",
                                     context: source)
            }
        }
    }
}
