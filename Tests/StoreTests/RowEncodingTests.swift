import Lifestream
import Postgres
import Store
import Testing

/// Each output table is defined once (`LifestreamTables`: columns, types, key) and encoded once
/// (`RowEncoding`): this holds the two to each other, table by table, without a server.
@Suite("Output tables and their encoders")
struct RowEncodingTests {
    /// A subject of each kind with every optional field set, so every column of every table gets a value.
    static let rows: [SubjectRows] = {
        let base: Int64 = 1_767_225_600_000_000
        func at(_ minute: Int64) -> Timestamp { Timestamp(microseconds: base + minute * 60_000_000) }
        func event(_ id: String, _ type: EventType, _ minute: Int64, _ subject: String, _ payload: Payload) -> Event {
            Event(eventID: id, type: type, occurredAt: at(minute), subjectID: subject, source: "test", payload: payload)
        }
        let link = [
            event("a", .linkAdded, 0, "l", .linkAdded(url: "https://a.example", title: "A")),
            event("b", .contentFetched, 1, "l", .contentFetched(httpStatus: 200, contentType: "text/html", text: "t", wordCount: 1)),
            event("c", .enrichmentCompleted, 2, "l", .enrichmentCompleted(summary: "s", tags: #"["x"]"#, language: "en", model: "m")),
            event("d", .publishCompleted, 3, "l", .publishCompleted(target: "blog", url: "https://b.example")),
            event("e", .linkVisibilityChanged, 4, "l", .linkVisibilityChanged(visibility: "public")),
        ]
        let todo = [event("f", .todoCreated, 0, "t", .todoCreated(title: "T", notes: "n", dueAt: at(9))),
                    event("g", .todoCompleted, 1, "t", .todoCompleted)]
        let sensor = [event("h", .tempReadingRecorded, 0, "s", .tempReadingRecorded(celsius: 20.5, humidity: 40))]
        let note = [event("i", .annotationAdded, 0, "n", .annotationAdded(linkID: "l", quote: "q", note: "n"))]
        return [link, todo, sensor, note].map { SubjectFold.fold(sorted: $0) }
    }()

    /// Bytes a binary COPY field of a fixed-size type has; nil for variable-length types.
    static func fixedSize(_ type: String) -> Int? {
        switch type {
        case "integer": 4
        case "bigint", "double precision", "timestamptz": 8
        case "boolean": 1
        default: nil
        }
    }

    @Test("every table's encoder writes one field per column, of the column's size, and NULL only where the column allows it",
          arguments: LifestreamTables.all)
    func encodersMatchColumns(_ table: TableDefinition) throws {
        var writer = CopyInWriter.buffering()
        writer.binaryHeader()
        var written = 0
        for subject in Self.rows { written += RowEncoding.write(subject, table: table.name, to: &writer) }
        writer.binaryTrailer()
        #expect(written > 0, "no sample row for \(table.name)")
        let bytes = try writer.takeBytes()
        var reader = CopyBinaryReader(fieldCount: table.columns.count, source: table.name)
        var rows = CopyRows(fieldCount: table.columns.count)
        try bytes.withUnsafeBytes { try reader.consume($0, into: &rows) }
        try reader.finish()
        #expect(rows.count == written)
        for row in 0..<rows.count {
            for (index, column) in table.columns.enumerated() {
                let length = rows.span(row, index).length
                if length < 0 {
                    #expect(column.nullable, "\(table.name).\(column.name) is NOT NULL but was encoded as NULL")
                } else if let size = Self.fixedSize(column.type) {
                    #expect(length == size, "\(table.name).\(column.name) (\(column.type)) encoded in \(length) bytes")
                } else if column.type == "jsonb" {
                    #expect(rows.bytes(row, index)?.first == 1, "\(table.name).\(column.name): jsonb's binary form starts with version 1")
                }
            }
        }
    }
}
