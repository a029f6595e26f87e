/// Why a diff could not run at all, as opposed to finding differences.
///
/// A diff that cannot compare (missing schema or table, columns that differ between the
/// sides, data out of key order) must never look like a match, so every such case is an error
/// with a code to branch on and one sentence for the operator.
public struct ReconcileError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong; an open set of constants so new kinds don't break switches.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The schema named for one side does not exist in that database.
        public static let schemaMissing = Code("schemaMissing")
        /// A table to compare is missing on one side.
        public static let tableMissing = Code("tableMissing")
        /// The two sides' tables have different columns or column types.
        public static let columnMismatch = Code("columnMismatch")
        /// A primary key column of the table definition does not exist in the table.
        public static let primaryKeyMissing = Code("primaryKeyMissing")
        /// `--tables` named a table the diff does not know.
        public static let unknownTable = Code("unknownTable")
        /// A side's rows did not arrive in strictly increasing key order (duplicate keys or an
        /// ordering the merge cannot follow): continuing would report false differences.
        public static let unorderedRows = Code("unorderedRows")
        /// COPY output that does not parse (wrong field count, broken escape).
        public static let malformedCopyData = Code("malformedCopyData")
        /// An option value that cannot work (negative sample count, …).
        public static let invalidOption = Code("invalidOption")
        /// A JSON report could not be read back (wrong shape or format version).
        public static let unreadableReport = Code("unreadableReport")
        /// A verdict rules file that cannot be read, does not parse, or names a table, column
        /// or cause the diff does not know (the message starts with `file:line:`).
        public static let invalidRules = Code("invalidRules")
        /// An incremental diff cannot say which subjects to compare: no event log or verified
        /// point to start from, or runs since then read records before its checkpoint.
        public static let incrementalUnavailable = Code("incrementalUnavailable")

        public var description: String { name }
    }

    public var code: Code
    /// The sentence itself, without a trailing period.
    public var message: String
    /// Where it happened ("left side postgresql://u:***@h/db"); never a password.
    public var context: String?

    public init(code: Code, message: String, context: String? = nil) {
        self.code = code
        self.message = message
        self.context = context
    }

    public var description: String {
        guard let context, !context.isEmpty else { return message }
        return "\(message) (\(context))"
    }
}
