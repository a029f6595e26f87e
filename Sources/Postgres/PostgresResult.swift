import CLibPQ

/// The complete result of one statement, copied out of libpq so it outlives the connection
/// and can cross threads.
///
/// Values are in PostgreSQL's text format (what psql shows); `nil` is SQL NULL. The cells live
/// in one byte buffer and become Strings only when read, so a large result costs its bytes
/// plus two integers per cell, not one String allocation per cell.
public struct PostgresResult: Sendable, RandomAccessCollection {
    public let columns: [String]
    /// Rows returned (SELECT, RETURNING).
    public let rowCount: Int
    /// Rows inserted/updated/deleted/copied according to the command tag; 0 when it has none.
    public let affectedRows: Int
    /// The command tag, e.g. "INSERT 0 3" or "CREATE TABLE".
    public let commandTag: String

    private let bytes: [UInt8]
    /// For cell `i`: `spans[2i]` is its start in `bytes`, `spans[2i+1]` its length, or -1 for NULL.
    private let spans: [Int]
    private let columnIndex: [String: Int]

    /// Copies everything out of `result`; the caller still owns (and clears) it.
    init(copying result: OpaquePointer) {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            columns.append(PQfname(result, Int32(column)).map { String(cString: $0) } ?? "?column?")
        }
        var bytes: [UInt8] = []
        var spans: [Int] = []
        spans.reserveCapacity(rowCount * columnCount * 2)
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) != 0 {
                    spans.append(0)
                    spans.append(-1)
                    continue
                }
                let length = Int(PQgetlength(result, Int32(row), Int32(column)))
                spans.append(bytes.count)
                spans.append(length)
                if length > 0, let value = PQgetvalue(result, Int32(row), Int32(column)) {
                    bytes.append(contentsOf: UnsafeRawBufferPointer(start: value, count: length))
                }
            }
        }
        self.columns = columns
        self.rowCount = rowCount
        self.bytes = bytes
        self.spans = spans
        self.commandTag = PQcmdStatus(result).map { String(cString: $0) } ?? ""
        self.affectedRows = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        var columnIndex: [String: Int] = [:]
        for (index, name) in columns.enumerated() where columnIndex[name] == nil {
            columnIndex[name] = index
        }
        self.columnIndex = columnIndex
    }

    /// The first column of the first row, nil when there is no row or it is NULL: for
    /// `select count(*)`-style and `… limit 1` lookups.
    public var scalar: String? { rowCount > 0 && !columns.isEmpty ? self[0, 0] : nil }

    /// The text of one cell; nil is SQL NULL.
    public subscript(row: Int, column: Int) -> String? {
        precondition(row >= 0 && row < rowCount, "row \(row) out of range 0..<\(rowCount)")
        precondition(column >= 0 && column < columns.count, "column \(column) out of range 0..<\(columns.count)")
        let cell = (row * columns.count + column) * 2
        let length = spans[cell + 1]
        if length < 0 { return nil }
        let start = spans[cell]
        return String(decoding: bytes[start..<start + length], as: UTF8.self)
    }

    /// The text of the cell in the first column called `column`; nil for NULL or no such column.
    public func string(_ row: Int, _ column: String) -> String? {
        guard let index = columnIndex[column] else { return nil }
        return self[row, index]
    }

    /// Position of the first column called `name`.
    public func columnIndex(_ name: String) -> Int? { columnIndex[name] }

    /// Every cell as text, row by row (convenient for small results and tests).
    public var rows: [[String?]] {
        (0..<rowCount).map { row in (0..<columns.count).map { self[row, $0] } }
    }

    // MARK: RandomAccessCollection

    public var startIndex: Int { 0 }
    public var endIndex: Int { rowCount }
    public subscript(position: Int) -> PostgresRow { PostgresRow(result: self, index: position) }
}

/// One row of a `PostgresResult`, read by column position or name.
public struct PostgresRow: Sendable {
    public let result: PostgresResult
    public let index: Int

    public var columns: [String] { result.columns }
    public subscript(column: Int) -> String? { result[index, column] }
    public subscript(column: String) -> String? { result.string(index, column) }
    public var values: [String?] { (0..<result.columns.count).map { result[index, $0] } }
}
