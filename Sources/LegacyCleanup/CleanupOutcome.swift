import Foundation

/// What one cleanup found and did: printed, written as the cleanup report (JSON is this type
/// with snake_case keys), and turned into the exit code.
public struct CleanupOutcome: Sendable, Codable, Equatable {
    public static let currentFormatVersion = 1

    public enum Result: String, Sendable, Codable {
        /// Neither legacy table exists.
        case nothingToDo = "nothing_to_do"
        /// Every check passed; without --confirm nothing was done.
        case dryRunPassed = "dry_run_passed"
        /// A check failed (or the tables changed while it ran): nothing was dropped.
        case refused
        /// Exported, verified and dropped.
        case dropped
    }

    public struct TableState: Sendable, Codable, Equatable {
        public var name: String
        public var rows: Int64
        /// SHA-256 of the table's COPY text when checked (what the snapshot must hold).
        public var sha256: String
    }

    public struct SnapshotInfo: Sendable, Codable, Equatable {
        public var path: String
        public var tables: [String]
        public var rows: Int64
        public var compressedBytes: Int64
        public var verified: Bool

        enum CodingKeys: String, CodingKey {
            case path, tables, rows, compressedBytes = "compressed_bytes", verified
        }
    }

    public var formatVersion = Self.currentFormatVersion
    public var generatedAt: String
    public var result: Result
    public var confirm: Bool
    public var schema: String
    public var group: String
    /// The legacy tables that existed when the checks ran.
    public var tables: [TableState]
    public var checks: [CleanupCheck]
    /// Why nothing was dropped beyond a failed check (the tables changed meanwhile, …).
    public var refusal: String?
    public var forceReason: String?
    /// What a confirmed run will do (or did): steps in order.
    public var plan: [String]
    public var snapshot: SnapshotInfo?
    /// The command that puts the tables back from the snapshot.
    public var restoreCommand: String?
    /// The report files written (none on a dry run).
    public var reportFiles: [String] = []
    /// What a person should know beyond the result: that this report was finished by a later
    /// run, or that an earlier cleanup's report is still owed.
    public var note: String?

    /// 0 done / dry run passed / nothing to do; 1 refused.
    public var exitCode: Int32 { result == .refused ? 1 : 0 }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", generatedAt = "generated_at", result, confirm, schema, group, tables, checks
        case refusal, forceReason = "force_reason", plan, snapshot, restoreCommand = "restore_command", reportFiles = "report_files", note
    }
}
