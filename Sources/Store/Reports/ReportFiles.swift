import Foundation

/// Writes a report's renderings into the reports folder: one file per format named with the
/// UTC time (`diff-20250601T120000Z.md`), plus a `latest.<ext>` copy of each for links that
/// should not change. Files are written whole (temporary file, then rename), so a reader
/// never sees half a report.
public enum ReportFiles {
    public struct Written: Sendable, Equatable {
        /// The timestamped files, in the order given.
        public var files: [URL]
        /// The `latest` copies.
        public var latest: [URL]
    }

    /// Writes `renderings` (file extension → content). `prefix` starts the timestamped names;
    /// `latestName` names the copies (a cutover report can use its own, e.g. `cutover-latest`).
    /// When a file of that second exists already, `-2`, `-3`, … is appended.
    @discardableResult
    public static func write(
        _ renderings: [(fileExtension: String, content: String)], prefix: String = "diff", latestName: String = "latest",
        into directory: URL, at date: Date
    ) throws -> Written {
        try createFolder(directory)
        let base = firstFree("\(prefix)-\(Timestamps.compact(date))") { base in
            renderings.contains { FileManager.default.fileExists(atPath: directory.appendingPathComponent("\(base).\($0.fileExtension)").path) }
        }
        var written = Written(files: [], latest: [])
        for rendering in renderings {
            let file = directory.appendingPathComponent("\(base).\(rendering.fileExtension)")
            let latest = directory.appendingPathComponent("\(latestName).\(rendering.fileExtension)")
            try write(rendering.content, to: file)
            try write(rendering.content, to: latest)
            written.files.append(file)
            written.latest.append(latest)
        }
        return written
    }

    /// Writes `renderings` as `<name>.<ext>` only, replacing what is there: a status that is
    /// rewritten at an interval (`verify-latest`), where timestamped copies would pile up.
    public static func replace(_ renderings: [(fileExtension: String, content: String)], named name: String, in directory: URL) throws {
        try createFolder(directory)
        for rendering in renderings { try write(rendering.content, to: directory.appendingPathComponent("\(name).\(rendering.fileExtension)")) }
    }

    /// `name`, or `name-2`, `name-3`, … : the first that `isTaken` does not claim. Two reports
    /// (or snapshots) within one second then keep apart.
    public static func firstFree(_ name: String, isTaken: (String) -> Bool) -> String {
        var candidate = name
        var attempt = 1
        while isTaken(candidate) {
            attempt += 1
            candidate = "\(name)-\(attempt)"
        }
        return candidate
    }

    private static func createFolder(_ directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.report, "the reports folder \(directory.path) could not be created: \(error.localizedDescription)")
        }
    }

    private static func write(_ content: String, to file: URL) throws {
        do {
            try Data(content.utf8).write(to: file, options: .atomic)
        } catch {
            throw StoreError(.report, "the report \(file.path) could not be written: \(error.localizedDescription)")
        }
    }
}
