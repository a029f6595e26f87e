import Foundation
import Pipeline
import Postgres
import Store
import Zstd

/// Exports one table to its file: COPY → SHA-256 of the text → zstd → SHA-256 of the file,
/// chunk by chunk, so memory stays flat whatever the table's size.
///
/// A large table with a primary key is read in key ranges over several connections at once,
/// all in the exporting transaction's snapshot (`SET TRANSACTION SNAPSHOT`), so every part sees
/// the same data. Ranges start at frame boundaries (`FramedRowWriter`): part 0 goes straight
/// into the file, the others into files of their own that are appended in key order at the
/// end, their data hashed as it is appended. The file is byte for byte what one connection
/// would have written: how a table was divided only changes how fast it is read.
struct TableExport {
    let shape: TableShape
    let path: String
    let file: String
    let level: Int32
    let workers: Int32
    /// Connections to read with at most (1: only the caller's).
    let parallel: Int
    /// The exporting transaction's snapshot (from `pg_export_snapshot()`); nil reads in one part.
    let snapshotID: String?
    /// For tests: this part fails after its first chunk, as a broken connection would.
    var failingPart: Int?

    private struct Part: Sendable {
        var rows: Int
        var path: String
    }

    /// Reads the table on `connection` (inside the exporting transaction) and the helper
    /// connections it opens.
    func run(on connection: PostgresConnection) throws -> SnapshotManifest.Table {
        let starts = try partStarts(on: connection)
        let uncompressed = StreamDigest()
        let compressed = StreamDigest()
        let writer = try ZstdFileWriter(path: path, level: level, workers: workers, onCompressedBytes: compressed.update)
        let parts = try PartWorkers.run(count: starts.count, name: "backfill-export") { workers in
            let rows = try Self.copy(shape.copyOutStatement(rows: Self.range(of: 0, starts)), on: connection, into: writer,
                                     stopping: workers) { uncompressed.update($0) }
            return Part(rows: rows, path: path)
        } other: { [shape, path, level, workers, snapshotID, failingPart, configuration = connection.configuration] part, stop in
            let partPath = Self.partPath(path, part)
            let helper = try PostgresConnection.connect(configuration, applicationName: "backfill snapshot export")
            defer { helper.close() }
            try SessionSettings.apply(to: helper)
            return try helper.transaction { helper in
                try helper.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                try helper.execute("SET TRANSACTION SNAPSHOT \(SQL.quoteLiteral(snapshotID ?? ""))")
                try SessionSettings.applyLocally(to: helper)
                // The planner cannot estimate a range that starts at a subquery's key and would
                // often sort it; the whole table's plan (an index scan) is the one wanted.
                try helper.execute("SET LOCAL enable_sort = off")
                let partWriter = try ZstdFileWriter(path: partPath, level: level, workers: workers)
                let rows = try Self.copy(shape.copyOutStatement(rows: Self.range(of: part, starts)), on: helper,
                                         into: partWriter, stopping: stop) { _ in
                    if part == failingPart {
                        throw SnapshotError(code: .fileSystem, snapshot: nil, message: "part \(part) of table \(shape.name) failed as the test asked")
                    }
                }
                try partWriter.finish()
                return Part(rows: rows, path: partPath)
            }
        }
        defer { for part in parts.dropFirst() { try? FileManager.default.removeItem(atPath: part.path) } }
        for part in parts.dropFirst() where part.rows > 0 {
            try writer.appendFrames(ofFile: part.path) { uncompressed.update($0) }
        }
        try writer.finish()
        return SnapshotManifest.Table(
            name: shape.name, file: file, columns: shape.columns, primaryKey: shape.primaryKey,
            rows: Int64(parts.reduce(0) { $0 + $1.rows }), uncompressedBytes: uncompressed.bytes,
            compressedBytes: compressed.bytes,
            uncompressedSHA256: uncompressed.finalizeHex(), compressedSHA256: compressed.finalizeHex())
    }

    /// COPY into `writer` in frames of `FramedRowWriter.rowsPerFrame` rows; the writer's last
    /// frame stays open for `finish` or appended parts. Returns the row count.
    private static func copy(_ statement: String, on connection: PostgresConnection, into writer: ZstdFileWriter,
                             stopping workers: PartWorkers, observe: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var framed = FramedRowWriter(writer: writer)
        let rows = try connection.copyOut(statement) { chunk in
            if workers.shouldStop { throw PartWorkers.Stopped() }
            try observe(chunk)
            try framed.write(chunk)
        }
        return rows
    }

    /// First row of each part: multiples of the frame size, spread by the planner's row estimate
    /// (which only decides the division of work, never the file's bytes; it also covers tables
    /// never analyzed, from their size on disk). One part for small tables, tables without a
    /// primary key, or when there is no snapshot to share.
    private func partStarts(on connection: PostgresConnection) throws -> [Int] {
        guard parallel > 1, snapshotID != nil, !shape.primaryKey.isEmpty else { return [0] }
        let plan = try connection.query("EXPLAIN (FORMAT JSON) SELECT 1 FROM \(SQL.qualifiedName(shape.schema, shape.name))")
        return Self.partStarts(estimatedRows: Self.plannedRows(json: plan[0, 0] ?? ""), parallel: parallel)
    }

    /// `Plan Rows` of the top plan node in `EXPLAIN (FORMAT JSON)` output; 0 when absent.
    static func plannedRows(json: String) -> Int {
        let parsed = try? JSONSerialization.jsonObject(with: Data(json.utf8))
        let plan = ((parsed as? [[String: Any]])?.first?["Plan"] as? [String: Any])
        return (plan?["Plan Rows"] as? NSNumber)?.intValue ?? 0
    }

    static func partStarts(estimatedRows: Int, parallel: Int) -> [Int] {
        let frameRows = FramedRowWriter.rowsPerFrame
        let frames = (estimatedRows + frameRows - 1) / frameRows
        let count = max(1, min(parallel, frames))
        return (0..<count).map { frames * $0 / count * frameRows }
    }

    /// Rows of `part`: from its start to the next part's (the last part has no end).
    static func range(of part: Int, _ starts: [Int]) -> Range<Int> {
        starts[part]..<(part + 1 < starts.count ? starts[part + 1] : Int.max)
    }

    /// `.<file>.part1` next to the table's file, in the staging folder.
    static func partPath(_ path: String, _ part: Int) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return (directory as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).part\(part)")
    }
}
