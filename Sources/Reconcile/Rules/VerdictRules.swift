import Crypto
import Foundation

/// What a reviewer has agreed may differ between the live and the rebuilt tables, and why:
/// the rules a diff's verdict is decided after (`backfill diff --rules FILE`, BACKFILL_RULES).
///
/// - Column rules say how a column is compared: ignored, numbers within an absolute and/or
///   relative tolerance, timestamps to a precision. A changed row whose every difference a
///   column rule covers is *accepted*: counted, shown under its rule, never hidden.
/// - Cause rules accept the rows of one cause (`DiffCause`) up to a limit.
/// - Everything else (rows no rule accepted) must stay within its own limit.
///
/// Every rule carries the `reason` the reports print beside it, and the line it was written on.
/// `parse` checks the file alone (syntax, keys, numbers, causes, reasons); `validate` checks
/// tables and columns against a catalog. The file format: `docs/operations/verdict-rules.md`.
public struct VerdictRules: Sendable, Equatable {
    /// The file as it was named (relative paths stay relative: reports must not leak more).
    public var file: String
    /// SHA-256 of the file's bytes, so a report says exactly which rules it was judged by.
    public var sha256: String
    public var everythingElse: EverythingElse?
    public var causes: [CauseRule]
    public var columns: [ColumnRule]

    /// The limit for differing rows that no rule accepted.
    public struct EverythingElse: Sendable, Equatable {
        public var limit: Int
        public var reason: String
        public var line: Int
    }

    /// Accepts the rows of `cause`, as long as there are no more than `limit`.
    public struct CauseRule: Sendable, Equatable {
        public var cause: DiffCause
        /// nil: unlimited.
        public var limit: Int?
        public var reason: String
        public var line: Int
        public var id: String { "causes.\(cause.rawValue)" }
    }

    /// How one column is compared.
    public struct ColumnRule: Sendable, Equatable {
        public var table: String
        public var column: String
        public var comparison: ColumnComparison
        public var reason: String
        public var line: Int
        public var id: String { "tables.\(table).columns.\(column)" }
    }

    public static let formatVersion = 1

    /// Reads and parses a rules file.
    public static func load(path: String) throws -> VerdictRules {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ReconcileError(code: .invalidRules, message: "the rules file \(path) cannot be read: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReconcileError(code: .invalidRules, message: "the rules file \(path) is not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// Parses a rules file's text; every error names `path:line`.
    public static func parse(_ text: String, path: String) throws -> VerdictRules {
        let root = try RulesTOML.parse(text, path: path)
        let reader = RulesReader(path: path)
        var rules = VerdictRules(file: path, sha256: SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined(),
                                 everythingElse: nil, causes: [], columns: [])
        for (key, value) in root.entries {
            switch key {
            case "version":
                guard case .integer(let version) = value.kind, version == formatVersion else {
                    throw reader.error("version must be \(formatVersion), the rules format this tool reads", value.line)
                }
            case "other":
                let table = try reader.table(value, "other")
                try reader.only(["limit", "reason"], in: table, "[other]")
                let limit = try reader.limit(table, "other", allowUnlimited: false) ?? 0
                rules.everythingElse = EverythingElse(limit: limit, reason: try reader.reason(table, "[other]"), line: table.line)
            case "causes":
                for (name, entry) in try reader.table(value, "causes").entries {
                    guard let cause = DiffCause(rawValue: name) else {
                        throw reader.error("unknown cause \(name); the causes are "
                                           + DiffCause.allCases.map(\.rawValue).joined(separator: ", "), entry.line)
                    }
                    let table = try reader.table(entry, "causes.\(name)")
                    try reader.only(["limit", "reason"], in: table, "[causes.\(name)]")
                    rules.causes.append(CauseRule(cause: cause, limit: try reader.limit(table, "causes.\(name)", allowUnlimited: true),
                                                  reason: try reader.reason(table, "[causes.\(name)]"), line: table.line))
                }
            case "tables":
                for (tableName, entry) in try reader.table(value, "tables").entries {
                    let table = try reader.table(entry, "tables.\(tableName)")
                    try reader.only(["columns"], in: table, "[tables.\(tableName)]")
                    guard let columns = table["columns"] else { continue }
                    for (columnName, columnEntry) in try reader.table(columns, "tables.\(tableName).columns").entries {
                        rules.columns.append(try reader.columnRule(table: tableName, column: columnName, columnEntry))
                    }
                }
            default:
                throw reader.error("unknown key \(key); a rules file has version, [other], [causes.<cause>] and "
                                   + "[tables.<table>.columns.<column>]", value.line)
            }
        }
        rules.causes.sort { $0.cause < $1.cause }
        return rules
    }

    /// The rule for `column` of `table`, if any.
    public func columnRule(table: String, column: String) -> ColumnRule? {
        columns.first { $0.table == table && $0.column == column }
    }

    public func causeRule(_ cause: DiffCause) -> CauseRule? { causes.first { $0.cause == cause } }
}

/// Turns the parsed tree into rules, one strict check at a time.
private struct RulesReader {
    let path: String

    func error(_ message: String, _ line: Int) -> ReconcileError {
        ReconcileError(code: .invalidRules, message: "\(path):\(line): \(message)")
    }

    func table(_ value: RulesTOML.Value, _ name: String) throws -> RulesTOML.Table {
        guard case .table(let table) = value.kind else {
            throw error("\(name) must be a table ([\(name)] or { … }), not \(value.typeName)", value.line)
        }
        return table
    }

    func only(_ keys: Set<String>, in table: RulesTOML.Table, _ name: String) throws {
        for (key, value) in table.entries where !keys.contains(key) {
            throw error("unknown key \(key) in \(name); expected \(keys.sorted().joined(separator: ", "))", value.line)
        }
    }

    /// The required `reason`: one non-empty line the reports print beside the rule.
    func reason(_ table: RulesTOML.Table, _ name: String) throws -> String {
        guard let value = table["reason"] else {
            throw error("\(name) has no reason; every rule needs reason = \"why this difference is acceptable\"", table.line)
        }
        guard case .string(let text) = value.kind else { throw error("reason must be a string, not \(value.typeName)", value.line) }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw error("the reason is empty; say why this difference is acceptable", value.line) }
        guard !trimmed.contains(where: { $0.isNewline }) else { throw error("the reason must be one line", value.line) }
        return trimmed
    }

    /// `limit`: whole rows, or "unlimited" where allowed (nil).
    func limit(_ table: RulesTOML.Table, _ name: String, allowUnlimited: Bool) throws -> Int? {
        let expected = allowUnlimited ? "a whole number of rows (0 or more) or \"unlimited\"" : "a whole number of rows (0 or more)"
        guard let value = table["limit"] else { throw error("[\(name)] has no limit; set limit = \(expected)", table.line) }
        switch value.kind {
        case .integer(let rows) where rows >= 0: return rows
        case .string("unlimited") where allowUnlimited: return nil
        case .integer(let rows): throw error("limit must be \(expected), not \(rows)", value.line)
        case .float(_, let text): throw error("limit must be \(expected), not \(text)", value.line)
        case .string(let text): throw error("limit must be \(expected), not \"\(text)\"", value.line)
        default: throw error("limit must be \(expected), not \(value.typeName)", value.line)
        }
    }

    /// A non-negative finite number (an integer is taken as one).
    func number(_ value: RulesTOML.Value, _ key: String) throws -> Double {
        let number: Double
        switch value.kind {
        case .integer(let integer): number = Double(integer)
        case .float(let float, _): number = float
        case .string(let text): throw error("\(key) must be a number such as 1e-9, not the string \"\(text)\"", value.line)
        default: throw error("\(key) must be a number such as 1e-9, not \(value.typeName)", value.line)
        }
        guard number >= 0 else { throw error("\(key) must be 0 or more", value.line) }
        return number
    }

    func columnRule(table: String, column: String, _ entry: RulesTOML.Value) throws -> VerdictRules.ColumnRule {
        let name = "tables.\(table).columns.\(column)"
        let rule = try self.table(entry, name)
        try only(["ignore", "absolute", "relative", "precision", "reason"], in: rule, "[\(name)]")
        let reason = try self.reason(rule, "[\(name)]")
        let kinds = ["ignore", "absolute", "precision"].filter { rule[$0] != nil || ($0 == "absolute" && rule["relative"] != nil) }
        guard kinds.count == 1 else {
            throw error(kinds.isEmpty
                        ? "[\(name)] says nothing about the column; set one of ignore = true, absolute/relative = <tolerance>, precision = \"milliseconds\""
                        : "[\(name)] sets more than one comparison (\(kinds.map { $0 == "absolute" ? "tolerance" : $0 }.joined(separator: " and "))); a column has one",
                        rule.line)
        }
        let comparison: ColumnComparison
        if let ignore = rule["ignore"] {
            guard case .bool(true) = ignore.kind else {
                throw error("ignore must be true (to compare the column, remove the rule)", ignore.line)
            }
            comparison = .ignore
        } else if let precision = rule["precision"] {
            guard case .string(let text) = precision.kind, let unit = ColumnComparison.Precision(rawValue: text) else {
                throw error("precision must be one of " + ColumnComparison.Precision.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "),
                            precision.line)
            }
            comparison = .precision(unit)
        } else {
            let absolute = try rule["absolute"].map { try number($0, "absolute") }
            let relative = try rule["relative"].map { try number($0, "relative") }
            if let relative, relative >= 1, let line = rule["relative"]?.line {
                throw error("relative must be less than 1 (it is a fraction of the larger value: 1e-12, not 1)", line)
            }
            comparison = .tolerance(ColumnComparison.Tolerance(absolute: absolute, relative: relative,
                                                               absoluteText: rule["absolute"].flatMap(Self.text),
                                                               relativeText: rule["relative"].flatMap(Self.text)))
        }
        return VerdictRules.ColumnRule(table: table, column: column, comparison: comparison, reason: reason, line: rule.line)
    }

    static func text(_ value: RulesTOML.Value) -> String? {
        switch value.kind {
        case .integer(let integer): String(integer)
        case .float(_, let text): text
        default: nil
        }
    }
}
