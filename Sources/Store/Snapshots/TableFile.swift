import Foundation
import Zstd

/// One table file of a snapshot and its manifest entry: streams the file's COPY data out while
/// checking it against the manifest, so neither verify nor import ever trusts unchecked bytes.
public struct TableFile {
    public let snapshot: String
    public let table: SnapshotManifest.Table

    public var path: String { (snapshot as NSString).appendingPathComponent(table.file) }

    /// The checks that need no reading: the file is there and has the manifest's size. Cheap, so
    /// import runs them for every table before it touches the database.
    public func checkPresence() throws {
        let size: Int64
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            guard (attributes[.type] as? FileAttributeType) == .typeRegular else {
                throw corrupt(.missingFile, "\(table.file) (table \(table.name)) is not a regular file")
            }
            size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        } catch let error as SnapshotError {
            throw error
        } catch {
            throw corrupt(.missingFile, "\(table.file) (table \(table.name)) is missing")
        }
        guard size == table.compressedBytes else {
            throw corrupt(.sizeMismatch, "\(table.file) is \(size) bytes but the manifest says \(table.compressedBytes)")
        }
    }

    /// Decompresses the file, handing each chunk of COPY text to `sink`, then checks both digests,
    /// both sizes and the row count against the manifest. Returns the row count.
    ///
    /// When this throws, `sink` may already have seen data from a bad file: callers must discard
    /// it (import does so by aborting the COPY, which stores nothing). Errors thrown by `sink`
    /// itself are passed on unchanged.
    @discardableResult
    public func stream(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        try checkPresence()
        let compressed = StreamDigest()
        let uncompressed = StreamDigest(countsRows: true)
        let reader: ZstdFileReader
        do {
            reader = try ZstdFileReader(path: path, onCompressedBytes: compressed.update)
        } catch let error as ZstdError {
            throw corrupt(.missingFile, "\(table.file) cannot be opened: \(error.message)")
        }
        /// Marks errors from `sink` so they are not mistaken for zstd's.
        struct SinkFailure: Error { let error: Error }
        do {
            try reader.read { chunk in
                uncompressed.update(chunk)
                do { try sink(chunk) } catch { throw SinkFailure(error: error) }
            }
        } catch let failure as SinkFailure {
            throw failure.error
        } catch let error as ZstdError {
            throw corrupt(.damagedFile, "\(table.file) is damaged: \(error.description)")
        }
        let compressedDigest = compressed.finalizeHex()
        guard compressedDigest == table.compressedSHA256 else {
            throw corrupt(.digestMismatch,
                          "\(table.file) has SHA-256 \(compressedDigest.prefix(12))… but the manifest says \(table.compressedSHA256.prefix(12))…")
        }
        guard uncompressed.bytes == table.uncompressedBytes else {
            throw corrupt(.sizeMismatch,
                          "\(table.file) decompresses to \(uncompressed.bytes) bytes but the manifest says \(table.uncompressedBytes)")
        }
        let uncompressedDigest = uncompressed.finalizeHex()
        guard uncompressedDigest == table.uncompressedSHA256 else {
            throw corrupt(.digestMismatch,
                          "\(table.file) decompresses to data with SHA-256 \(uncompressedDigest.prefix(12))… but the manifest says \(table.uncompressedSHA256.prefix(12))…")
        }
        guard uncompressed.newlines == table.rows else {
            throw corrupt(.rowCountMismatch, "\(table.file) holds \(uncompressed.newlines) rows but the manifest says \(table.rows)")
        }
        // A cheap check of the columns that needs no database: every row has columns − 1 tabs.
        guard uncompressed.tabs == uncompressed.newlines * Int64(table.columns.count - 1) else {
            let fields = Double(uncompressed.tabs) / Double(max(uncompressed.newlines, 1)) + 1
            let shown = fields == fields.rounded() ? String(Int(fields)) : String(format: "%.2f", fields)
            throw corrupt(.columnMismatch,
                          "\(table.file) has \(shown) fields per row but the manifest lists \(table.columns.count) columns for table \(table.name)")
        }
        return uncompressed.newlines
    }

    private func corrupt(_ code: SnapshotError.Code, _ message: String) -> SnapshotError {
        SnapshotError(code: code, snapshot: snapshot, message: message)
    }
}
