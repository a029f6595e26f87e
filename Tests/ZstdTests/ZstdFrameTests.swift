import Foundation
import Testing
import Zstd

@Suite("zstd frames")
struct ZstdFrameTests {
    static let text = Array(String(repeating: "sensor-00042\t2024-01-01 00:00:00+00\t21.5\n", count: 2_000).utf8)

    @Test("frames end where asked, whatever the write sizes, and no empty frame trails")
    func framesWhereAsked() throws {
        let whole = TemporaryFile(), pieces = TemporaryFile()
        let a = try ZstdFileWriter(path: whole.path)
        try a.write(Self.text)
        try a.endFrame()
        try a.endFrame()   // nothing written since: no empty frame
        try a.write(Self.text)
        try a.finish()
        #expect(a.frames == 2)

        let b = try ZstdFileWriter(path: pieces.path)
        for start in stride(from: 0, to: Self.text.count, by: 777) {
            try b.write(Array(Self.text[start..<min(start + 777, Self.text.count)]))
        }
        try b.endFrame()
        try b.write(Self.text)
        try b.endFrame()
        try b.finish()
        #expect(b.frames == 2)
        #expect(whole.contents == pieces.contents)
        #expect(try Zstd.decompress(whole.contents) == Self.text + Self.text)
    }

    @Test("another file's frames append between frames, decoded on the way; damage is refused")
    func appendFrames() throws {
        let first = TemporaryFile(), second = TemporaryFile(), joined = TemporaryFile(), reference = TemporaryFile(), third = TemporaryFile()
        let part = try ZstdFileWriter(path: second.path)
        try part.write(Self.text)
        try part.finish()

        var hashed: [UInt8] = []
        let writer = try ZstdFileWriter(path: joined.path, onCompressedBytes: { hashed.append(contentsOf: $0) })
        try writer.write(Self.text)
        try writer.endFrame()
        var decoded: [UInt8] = []
        #expect(try writer.appendFrames(ofFile: second.path) { decoded.append(contentsOf: $0) } == Int64(Self.text.count))
        try writer.finish()
        #expect(decoded == Self.text)
        #expect(writer.frames == 2)
        #expect(hashed == joined.contents)

        // The same bytes as one writer cutting the frame itself.
        let single = try ZstdFileWriter(path: reference.path)
        try single.write(Self.text)
        try single.endFrame()
        try single.write(Self.text)
        try single.finish()
        #expect(joined.contents == reference.contents)

        // Appending in the middle of a frame, or a damaged file, fails.
        let open = try ZstdFileWriter(path: first.path)
        try open.write(Self.text)
        #expect(throws: ZstdError.self) { try open.appendFrames(ofFile: second.path) { _ in } }
        var damaged = second.contents
        damaged.removeLast(3)
        second.replace(with: damaged)
        let other = try ZstdFileWriter(path: third.path)
        let error = #expect(throws: ZstdError.self) { try other.appendFrames(ofFile: second.path) { _ in } }
        #expect(error?.code == .truncated)
    }
}
