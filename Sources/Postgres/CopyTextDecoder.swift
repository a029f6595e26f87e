/// Splits `COPY … TO STDOUT` text-format output into rows of fields.
///
/// `copyOut` hands over chunks that need not end at a row boundary, so the decoder keeps
/// the unfinished tail. Fields are unescaped (`\t`, `\n`, `\\`, octal/hex escapes) and
/// `\N` becomes nil.
public struct CopyTextDecoder {
    private var tail: [UInt8] = []
    private var field: [UInt8] = []

    public init() {}

    /// Feeds one chunk; `row` is called once per complete row.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, row: ([String?]) throws -> Void) rethrows {
        var lineStart = 0
        for i in 0..<chunk.count where chunk[i] == 0x0A {
            if tail.isEmpty {
                try row(decodeLine(UnsafeRawBufferPointer(rebasing: chunk[lineStart..<i])))
            } else {
                tail.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[lineStart..<i]))
                let line = tail
                tail.removeAll(keepingCapacity: true)
                try line.withUnsafeBytes { try row(decodeLine($0)) }
            }
            lineStart = i + 1
        }
        if lineStart < chunk.count { tail.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[lineStart...])) }
    }

    /// True when no partial row is left over (call after the COPY finished).
    public var isComplete: Bool { tail.isEmpty }

    private mutating func decodeLine(_ line: UnsafeRawBufferPointer) -> [String?] {
        var fields: [String?] = []
        fields.reserveCapacity(8)
        var start = 0
        var i = 0
        while i <= line.count {
            if i == line.count || line[i] == 0x09 {
                fields.append(decodeField(UnsafeRawBufferPointer(rebasing: line[start..<i])))
                start = i + 1
            }
            i += 1
        }
        return fields
    }

    private mutating func decodeField(_ raw: UnsafeRawBufferPointer) -> String? {
        if raw.count == 2 && raw[0] == 0x5C && raw[1] == UInt8(ascii: "N") { return nil }
        guard raw.contains(0x5C) else { return String(decoding: raw, as: UTF8.self) }
        field.removeAll(keepingCapacity: true)
        var i = 0
        while i < raw.count {
            let byte = raw[i]
            guard byte == 0x5C, i + 1 < raw.count else { field.append(byte); i += 1; continue }
            let next = raw[i + 1]
            i += 2
            switch next {
            case UInt8(ascii: "b"): field.append(0x08)
            case UInt8(ascii: "f"): field.append(0x0C)
            case UInt8(ascii: "n"): field.append(0x0A)
            case UInt8(ascii: "r"): field.append(0x0D)
            case UInt8(ascii: "t"): field.append(0x09)
            case UInt8(ascii: "v"): field.append(0x0B)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(next - 48)
                var digits = 1
                while digits < 3, i < raw.count, (48...55).contains(raw[i]) { value = value * 8 + Int(raw[i] - 48); i += 1; digits += 1 }
                field.append(UInt8(truncatingIfNeeded: value))
            case UInt8(ascii: "x"):
                var value = 0
                var digits = 0
                while digits < 2, i < raw.count, let d = hexValue(raw[i]) { value = value * 16 + d; i += 1; digits += 1 }
                if digits == 0 { field.append(next) } else { field.append(UInt8(value)) }
            default: field.append(next)
            }
        }
        return String(decoding: field, as: UTF8.self)
    }

    private func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case 48...57: Int(b - 48)
        case 65...70: Int(b - 55)
        case 97...102: Int(b - 87)
        default: nil
        }
    }
}
