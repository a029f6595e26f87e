/// Everything that can go wrong compressing or decompressing, as one typed error.
///
/// Damaged input is never half-accepted: a truncated, corrupted or padded file ends in one of
/// these, and `description` says which in one sentence, naming the file when there is one.
public struct ZstdError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; an open set of constants so new kinds don't break switches.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        public static let openFailed = Code("openFailed")
        public static let readFailed = Code("readFailed")
        public static let writeFailed = Code("writeFailed")
        /// A level or worker count libzstd does not accept.
        public static let invalidParameter = Code("invalidParameter")
        public static let compressionFailed = Code("compressionFailed")
        /// The data does not start like a zstd frame (or is empty).
        public static let notZstd = Code("notZstd")
        /// The data ends in the middle of a frame.
        public static let truncated = Code("truncated")
        /// A frame's contents are damaged.
        public static let corrupted = Code("corrupted")
        /// The frame decoded, but not to what was compressed (its content checksum differs).
        public static let checksumMismatch = Code("checksumMismatch")
        /// Bytes after the last complete frame that are not another frame.
        public static let trailingGarbage = Code("trailingGarbage")
        /// The writer was already finished (or failed) and cannot take more data.
        public static let writerClosed = Code("writerClosed")
        public static let outOfMemory = Code("outOfMemory")

        public var description: String { name }
    }

    public var code: Code
    public var message: String
    /// The file involved, when there is one.
    public var path: String?

    public init(code: Code, message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String {
        let subject = path.map { "the zstd file \($0)" } ?? "the zstd data"
        let lead: String
        switch code {
        case .openFailed: lead = "Could not open \(subject)"
        case .readFailed: lead = "Could not read \(subject)"
        case .writeFailed: lead = "Could not write \(subject)"
        case .invalidParameter: lead = "Cannot compress \(subject) with these settings"
        case .compressionFailed: lead = "Compressing \(subject) failed"
        case .notZstd: lead = "\(subject.capitalizedFirst) is not zstd-compressed"
        case .truncated: lead = "\(subject.capitalizedFirst) is truncated"
        case .corrupted: lead = "\(subject.capitalizedFirst) is corrupted"
        case .checksumMismatch: lead = "\(subject.capitalizedFirst) fails its content checksum"
        case .trailingGarbage: lead = "\(subject.capitalizedFirst) has trailing garbage"
        case .writerClosed: lead = "Cannot write to \(subject) any more"
        case .outOfMemory: lead = "Ran out of memory on \(subject)"
        default: lead = "zstd failed (\(code.name)) on \(subject)"
        }
        return "\(lead): \(message)"
    }
}

extension String {
    fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
