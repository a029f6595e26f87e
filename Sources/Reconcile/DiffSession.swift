import Foundation
import Store

/// What a diff's sessions add to the common `SessionSettings`.
enum DiffSession {
    /// For the streaming sessions: a key-order sort that cannot use an index stays in memory
    /// for tables of a few million rows instead of spilling to disk (one sort per side at a time).
    static let streamingStatements = "SET work_mem = '256MB'"

    /// One snapshot for every table of a side (REPEATABLE READ, read only), so a table written
    /// while it is being read is compared as of one instant.
    static let beginSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
}
