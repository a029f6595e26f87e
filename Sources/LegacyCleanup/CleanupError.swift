/// Why a cleanup could not be carried out at all (as opposed to a check refusing it).
public struct CleanupError: Error, Sendable, CustomStringConvertible {
    /// What went wrong; an open set of constants so new kinds don't break switches.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// An option value that cannot work (bad threshold, negative age, …).
        public static let invalidOption = Code("invalidOption")
        /// The snapshot of the tables did not verify after export.
        public static let snapshotInvalid = Code("snapshotInvalid")
        /// The drop transaction failed (lock timeout, lost connection); the tables are unchanged.
        public static let dropFailed = Code("dropFailed")
        /// The tables were dropped but the report could not be written (the message names the snapshot).
        public static let reportNotWritten = Code("reportNotWritten")
        /// The --schema does not exist in the database (a typo is not "nothing to do").
        public static let schemaNotFound = Code("schemaNotFound")
        /// The intent a confirmed cleanup writes before its drop could not be written or read.
        public static let intent = Code("intent")

        public var description: String { name }
    }

    public var code: Code
    /// The sentence itself, without a trailing period.
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
