import Lifestream
import Postgres

/// Rows for any table definition that exercise everything COPY text has to carry: quotes, tabs,
/// newlines, backslashes, `\N`, non-ASCII, very long text, JSON with escapes, NULLs, awkward
/// floats (-0, 1e-300, subnormals, infinities, NaN) and timestamps at microsecond precision
/// written in other time zones.
enum HostileRows {
    static let texts: [String] = [
        "", " ", "plain", "it's", "''", "\"double\" quotes", "back\\slash", "\\N", "\\\\", "ends with backslash\\",
        "'; drop table x; --", "tab\there", "new\nline", "carriage\rreturn", "crlf\r\n", "\t\n\r\\",
        "unicode: ñ ü ß Ж 漢字 العربية", "emoji: 🦀🧪👩‍👩‍👧‍👦🇨🇭", "combining: e\u{301}", "zero width\u{200B}joiner\u{200D}",
        "control \u{01}\u{07}\u{1B}[31m", "NULL", "\\.", "a\\tb (escaped tab in the data itself)",
    ]

    static let floats: [String] = [
        "-0", "0", "1e-300", "-1e-300", "5e-324", "1.7976931348623157e308", "0.1", "-273.15", "3.141592653589793",
        "Infinity", "-Infinity", "NaN", "21.5", "1e+16",
    ]

    static let timestamps: [String] = [
        "2024-02-29 23:59:59.999999+00", "1999-12-31 23:00:00.000001-05:30", "2000-01-01 00:00:00+14",
        "1970-01-01 00:00:00.5+00", "2038-01-19 03:14:07.123456+00", "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00",
        "2021-06-15 12:34:56.789012+02",
    ]

    static let jsons: [String] = [
        "[]", "[\"a\", \"b\"]", "{\"q\": \"it's \\\"quoted\\\"\", \"n\": \"line\\nbreak\\ttab\\\\\"}", "{\"x\": -0.0, \"y\": 1e-300, \"z\": null}",
        "[\"漢字\", \"🦀\", \"\\u00e9 escaped\"]", "{\"nested\": {\"deep\": [1, 2.5, [true, false]]}}", "\"just a string\"", "12345678901234567890",
    ]

    /// Very long values, placed on a few rows only.
    static let longTexts: [String] = [
        String(repeating: "long🦀\t\\n\n", count: 40_000),
        String(repeating: "x", count: 2_000_000),
    ]

    /// Writes `count` rows for `table` into `schema.table` through COPY. Key columns get the row
    /// number in front so they stay unique (in a composite key, four rows share the text part and
    /// differ in the timestamp); nullable columns are NULL on some rows.
    static func fill(_ table: TableDefinition, schema: String, rows count: Int, on connection: PostgresConnection) throws {
        let columns = table.columns.map { SQL.quoteIdentifier($0.name) }.joined(separator: ", ")
        try connection.copyIn("COPY \(SQL.qualifiedName(schema, table.name)) (\(columns)) FROM STDIN") { writer in
            for row in 0..<count {
                for (position, column) in table.columns.enumerated() {
                    let isKey = table.primaryKey.contains(column.name)
                    let keyRow = table.primaryKey.count > 1 && column.type == "text" ? row / 4 : row
                    if column.nullable, !isKey, (row + position) % 7 == 3 {
                        writer.null()
                        continue
                    }
                    writer.field(value(for: column.type, row: isKey ? keyRow : row, position: position, isKey: isKey))
                }
                writer.endRow()
            }
        }
    }

    static func value(for type: String, row: Int, position: Int, isKey: Bool) -> String {
        let pick = row &* 31 &+ position &* 7
        switch type {
        case "text":
            if !isKey, row % 500 == 17, (row / 500 + position) % 3 == 0 { return longTexts[(row / 500) % longTexts.count] }
            let text = texts[pick % texts.count]
            return isKey ? "\(row):\(text)" : text
        case "timestamptz":
            // In a key, the row number in microseconds keeps (subject, time) unique.
            if isKey {
                let micros = String(row % 1_000_000)
                return "2024-01-01 00:00:00." + String(repeating: "0", count: 6 - micros.count) + micros + "+00"
            }
            return timestamps[pick % timestamps.count]
        case "double precision": return floats[pick % floats.count]
        case "integer": return String([0, -1, 200, 404, Int(Int32.max), Int(Int32.min)][pick % 6])
        case "bigint": return String([0, -1, Int64.max, Int64.min][pick % 4])
        case "jsonb": return jsons[pick % jsons.count]
        default: return texts[pick % texts.count]
        }
    }

    /// The nine lifestream tables created in `schema` and filled with `rows` hostile rows each.
    static func createLifestream(in schema: String, rows: Int, on connection: PostgresConnection) throws {
        for table in LifestreamTables.all {
            try connection.execute(table.createStatement(schema: schema, quote: SQL.quoteIdentifier))
            try fill(table, schema: schema, rows: rows, on: connection)
        }
    }
}
