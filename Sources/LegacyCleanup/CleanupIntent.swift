import Foundation
import Store

/// What a confirmed cleanup is about to report, written durably beside the reports before the
/// drop and removed once the report is written.
///
/// The drop commits in PostgreSQL and the report is written after it; a run killed between the
/// two would leave the tables gone with no report, and a rerun would find "nothing to do".
/// With the intent on disk a rerun sees which of the two happened: the tables are still there
/// (the drop never committed: the intent is stale and the cleanup starts over) or they are gone
/// (the drop committed: the rerun writes the report the intent describes, naming the archive).
///
/// A file beside the reports rather than a table: the tool owns no table in the live schema,
/// the state schema may not exist when only kafka_offsets is being retired, and the reports
/// folder is where an operator looks for what a cleanup did.
struct CleanupIntent: Codable, Equatable {
    static let currentFormatVersion = 1

    var formatVersion = Self.currentFormatVersion
    /// When the intent was written (just before the drop).
    var writtenAt: String
    /// The database, without its password, so a reader knows which one the drop was in.
    var database: String
    /// The outcome the report will show once the drop has committed: result `dropped`, the
    /// tables with their digests, the checks, the verified snapshot and the restore command.
    var outcome: CleanupOutcome

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", writtenAt = "written_at", database, outcome
    }

    /// `<reports>/cleanup-intent-<schema>.json`; a schema name that is not plain letters,
    /// digits, `_`, `-` and `.` is written in hex so any name gives one safe file name.
    static func path(reportsDirectory: String, schema: String) -> String {
        let plain = !schema.isEmpty && !schema.hasPrefix(".")
            && schema.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0) }
        let stem = plain ? schema : "x" + schema.utf8.map { String(format: "%02x", $0) }.joined()
        return (reportsDirectory as NSString).appendingPathComponent("cleanup-intent-\(stem).json")
    }

    /// The intent at `path`, nil when there is none. One that cannot be read is an error: it
    /// may be the only record of a drop.
    static func read(at path: String) throws -> CleanupIntent? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(CleanupIntent.self, from: data)
        } catch {
            throw CleanupError(code: .intent, message: "\(path) records a cleanup in progress but cannot be read (\(error)); look at it, then move it away to go on")
        }
    }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try DurableFiles.replace(try encoder.encode(self) + Data("\n".utf8), at: path)
        } catch {
            throw CleanupError(code: .intent, message: "the cleanup's intent could not be written to \(path) before the drop (\(error)); nothing was dropped")
        }
    }

    static func remove(at path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
