import Store
import Zstd

/// Feeds COPY text to a zstd writer, ending a frame after every `rowsPerFrame` rows.
///
/// Frames start at fixed row numbers (0, 65536, 131072, …), so a table's file is the same
/// whether one connection read it or several read key ranges that start at frame boundaries
/// and were compressed side by side: the layout depends on the rows alone.
struct FramedRowWriter {
    /// 65536 rows: ~5 MB frames for a typical table, which compress as well as one long frame
    /// (within 0.2 % at level 3) and are fine-grained enough to split tables into parts.
    static let rowsPerFrame = 65536

    let writer: ZstdFileWriter
    /// Rows written to the current frame.
    private var rowsInFrame = 0

    init(writer: ZstdFileWriter) {
        self.writer = writer
    }

    /// Writes `chunk`, which must hold whole rows (as `copyOut` delivers them).
    mutating func write(_ chunk: UnsafeRawBufferPointer) throws {
        var rest = chunk
        while !rest.isEmpty {
            let room = Self.rowsPerFrame - rowsInFrame
            let newlines = Int(StreamDigest.count(0x0A, in: rest))
            if newlines < room {
                try writer.write(rest)
                rowsInFrame += newlines
                return
            }
            let end = Self.offset(afterNewline: room, in: rest)
            try writer.write(UnsafeRawBufferPointer(rebasing: rest[..<end]))
            try writer.endFrame()
            rowsInFrame = 0
            rest = UnsafeRawBufferPointer(rebasing: rest[end...])
        }
    }

    /// The offset just past the `n`-th newline of `bytes` (which has at least `n`).
    static func offset(afterNewline n: Int, in bytes: UnsafeRawBufferPointer) -> Int {
        var seen = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            seen += 1
            if seen == n { return index + 1 }
        }
        return bytes.count
    }
}
