/// A value that can be read from a cell's text (what the server sends for a query's result).
public protocol PostgresDecodable {
    /// nil when `text` is not a value of this type.
    init?(postgresText text: String)
}

extension String: PostgresDecodable {
    public init?(postgresText text: String) { self = text }
}

extension Int64: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int32: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Double: PostgresDecodable {
    public init?(postgresText text: String) {
        switch text {
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        case "NaN": self = .nan
        default: self.init(text)
        }
    }
}

extension Bool: PostgresDecodable {
    public init?(postgresText text: String) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension PostgresRow {
    /// The value of `column`, which must be present and not NULL: a NULL or a value that is not
    /// a `T` is an error naming the column, never a crash or a silent zero.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let value = try decodeIfPresent(column, as: type) else {
            throw PostgresError(code: .unexpectedValue, message: "column \(column) is NULL where a value is required")
        }
        return value
    }

    /// The value of `column`, nil for SQL NULL; a value that is not a `T` is an error naming the column.
    public func decodeIfPresent<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T? {
        guard let index = result.columnIndex(column) else {
            throw PostgresError(code: .unexpectedValue, message: "the result has no column \(column) (it has \(result.columns.joined(separator: ", ")))")
        }
        guard let text = self[index] else { return nil }
        guard let value = T(postgresText: text) else {
            throw PostgresError(code: .unexpectedValue, message: "column \(column) holds '\(text.prefix(40))', which is not \(T.self)")
        }
        return value
    }
}

extension PostgresResult {
    /// The only row of a result that must have exactly one (`… where key = $1`, an aggregate).
    public func single(_ what: @autoclosure () -> String = "the statement") throws -> PostgresRow {
        guard rowCount == 1 else {
            throw PostgresError(code: .unexpectedValue, message: "\(what()) returned \(rowCount) rows where one was expected")
        }
        return self[0]
    }
}
