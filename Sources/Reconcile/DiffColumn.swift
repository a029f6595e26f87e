/// A column as the catalog describes it, and how its values are compared.
///
/// Both diff modes must agree with PostgreSQL's own equality, because a report must not
/// depend on whether the sides happened to share a database:
///
/// - same database: `IS DISTINCT FROM` on the typed values (`1.0 = 1` for floats and numerics,
///   jsonb ignores key order and whitespace, text compares bytes, timestamps by instant);
/// - two databases: the text each server prints, made canonical on both sessions
///   (`SessionSettings`) and by the select expression below, compared byte for byte, except
///   floats, where `-0` and `0` are equal as in SQL, and jsonb, whose numbers keep their
///   scale in print (`JSONTextEquality`).
///
/// Types outside the lifestream tables whose equal values can print differently (interval
/// `1 day` vs `24 hours`, citext) would compare by text in the two-database mode.
public struct DiffColumn: Sendable, Hashable, Codable {
    public var name: String
    /// As `format_type` prints it: `text`, `timestamp with time zone`, `double precision`, …
    public var type: String

    public init(name: String, type: String) {
        self.name = name
        self.type = type
    }

    var quoted: String { SQLName.quote(name) }

    /// Floats print their shortest exact form (extra_float_digits > 0), so only the sign of
    /// zero needs normalising.
    var isFloat: Bool { type == "double precision" || type == "real" }

    /// jsonb (and json, selected as jsonb) prints canonically except for a number's scale.
    var isJSON: Bool { type == "jsonb" || type == "json" }

    /// How the two-database mode decides that two printed values are equal.
    var textEquality: TextEquality { isFloat ? .float : isJSON ? .json : .bytes }

    enum TextEquality { case bytes, float, json }

    /// Character types order byte-wise under `COLLATE "C"` as they are; others are ordered by
    /// their text, which is what the merge compares.
    var isCharacterType: Bool {
        type == "text" || type.hasPrefix("character") || type == "name"
    }

    /// The value as both modes select it: numerics without trailing zeros (`1.0` prints as
    /// `1`), json as jsonb (json has no equality and keeps whitespace), everything else as is.
    func selectExpression(_ qualifier: String? = nil) -> String {
        let column = qualifier.map { "\($0).\(quoted)" } ?? quoted
        if isNumeric { return "trim_scale(\(column))" }
        if type == "json" { return "(\(column))::jsonb" }
        return column
    }

    /// The operand compared with `IS DISTINCT FROM` in the same-database mode.
    func comparisonOperand(_ qualifier: String) -> String {
        type == "json" ? "(\(qualifier).\(quoted))::jsonb" : "\(qualifier).\(quoted)"
    }

    var isNumeric: Bool { type == "numeric" || type.hasPrefix("numeric(") }

    /// Date and time types print as ISO text in UTC (`SessionSettings`), whose byte order is
    /// their time order for years 1000 to 9999 (and ±infinity), so they can be ordered by value.
    var isTimeType: Bool {
        type == "date" || type.hasPrefix("timestamp")
    }

    /// The ORDER BY term for the two-database stream: rows must come in the byte order of the
    /// text the merge compares. Ordering by the plain column lets the server walk the primary
    /// key index instead of sorting, so that is used wherever it gives byte order: character
    /// columns whose collation sorts by bytes (`byteOrdered`, from the catalog) and time types.
    /// Anything else is ordered by its text under `COLLATE "C"`. Should a value ever break the
    /// assumption (a year past 9999), the merge's order check stops the diff with an error.
    func orderExpression(byteOrdered: Bool) -> String {
        if isCharacterType { return byteOrdered ? quoted : "\(quoted) COLLATE \"C\"" }
        if isTimeType { return quoted }
        return "(\(selectExpression()))::text COLLATE \"C\""
    }
}
