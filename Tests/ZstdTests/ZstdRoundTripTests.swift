import Foundation
import Testing
import Zstd

@Suite("zstd round trips")
struct ZstdRoundTripTests {
    /// Writes `chunks` through a writer and returns what a reader gives back.
    static func roundTrip(_ chunks: [[UInt8]], workers: Int32 = 0) throws -> (output: [UInt8], counts: (Int64, Int64)) {
        let file = TemporaryFile()
        let writer = try ZstdFileWriter(path: file.path, workers: workers)
        for chunk in chunks { try writer.write(chunk) }
        let counts = try writer.finish()
        var output: [UInt8] = []
        let total = try ZstdFileReader(path: file.path).read { output.append(contentsOf: $0) }
        #expect(total == Int64(output.count))
        #expect(counts.compressedBytes == Int64(file.contents.count))
        return (output, (counts.uncompressedBytes, counts.compressedBytes))
    }

    @Test("small, empty and chunked data round-trip through files")
    func smallAndEmpty() throws {
        #expect(try Self.roundTrip([]).output == [])
        #expect(try Self.roundTrip([[]]).output == [])
        let hello = Array("hello, zstd\n".utf8)
        let result = try Self.roundTrip([hello, [], hello])
        #expect(result.output == hello + hello)
        #expect(result.counts.0 == Int64(2 * hello.count))
    }

    @Test("in-memory compress and decompress round-trip small, empty and binary data")
    func inMemory() throws {
        for data in [[], Array("x".utf8), (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }] {
            let compressed = try Zstd.compress(data)
            #expect(try Zstd.decompress(compressed) == data)
        }
        #expect(try Zstd.decompress(Zstd.compress(Array(repeating: 7, count: 1 << 20), level: 19)).count == 1 << 20)
    }

    @Test("50 MB of semi-random text streamed in chunks comes back byte for byte, and observers see the file")
    func largeStream() throws {
        let file = TemporaryFile()
        let size = 50 << 20
        let chunkSize = 1 << 20 + 12_345   // not aligned to zstd's block size
        var written = FNV1a()
        let writer = try ZstdFileWriter(path: file.path, onCompressedBytes: { written.add($0) })
        var source = SemiRandomText(seed: 42)
        var remaining = size
        while remaining > 0 {
            let chunk = source.next(min(chunkSize, remaining))
            try writer.write(chunk)
            remaining -= chunk.count
        }
        let counts = try writer.finish()
        #expect(counts.uncompressedBytes == Int64(size))
        #expect(counts.compressedBytes < Int64(size) / 2)
        let onDisk = file.contents
        #expect(Int64(onDisk.count) == counts.compressedBytes)
        #expect(written.value == FNV1a.of(onDisk))

        var expected = SemiRandomText(seed: 42)
        var read = FNV1a()
        var mismatch = false
        let total = try ZstdFileReader(path: file.path, onCompressedBytes: { read.add($0) }).read { chunk in
            if !expected.next(chunk.count).elementsEqual(chunk) { mismatch = true }
        }
        #expect(total == Int64(size))
        #expect(!mismatch)
        #expect(read.value == written.value)
    }

    @Test("a multithreaded writer's output decodes to the same bytes")
    func multithreaded() throws {
        #expect(ZstdFileWriter.workerRange.upperBound > 0, "Debian's libzstd is built with multithreading")
        var source = SemiRandomText(seed: 7)
        let chunks = (0..<12).map { _ in source.next(1 << 20) }
        let result = try Self.roundTrip(chunks, workers: 2)
        #expect(result.output == chunks.flatMap { $0 })
    }

    @Test("levels and worker counts outside libzstd's bounds are refused clearly")
    func invalidParameters() throws {
        let file = TemporaryFile()
        let level = #expect(throws: ZstdError.self) { try ZstdFileWriter(path: file.path, level: 1_000) }
        #expect(level?.code == .invalidParameter)
        #expect(level?.description.contains("level 1000") == true)
        let workers = #expect(throws: ZstdError.self) {
            try ZstdFileWriter(path: file.path, workers: ZstdFileWriter.workerRange.upperBound + 1)
        }
        #expect(workers?.code == .invalidParameter)
    }

    @Test("a finished writer refuses more data")
    func writeAfterFinish() throws {
        let file = TemporaryFile()
        let writer = try ZstdFileWriter(path: file.path)
        try writer.write([1, 2, 3])
        try writer.finish()
        let error = #expect(throws: ZstdError.self) { try writer.write([4]) }
        #expect(error?.code == .writerClosed)
    }

    @Test("a missing file is reported with its path")
    func missingFile() throws {
        let error = #expect(throws: ZstdError.self) { try ZstdFileReader(path: "/nonexistent/dir/x.zst") }
        #expect(error?.code == .openFailed)
        #expect(error?.description == "Could not open the zstd file /nonexistent/dir/x.zst: opening it failed: No such file or directory")
    }
}
