import Postgres

extension CopyInWriter {
    /// A pgvector `vector` field in its binary form: int16 dimension, int16 unused, then the
    /// float4 values, all big-endian. Binary because a vector is hundreds of floats: as text each
    /// would be formatted here and parsed by the server; as binary it is copied as is, bit-exact.
    mutating func binary(vector values: [Float]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 + 4 * values.count)
        withUnsafeBytes(of: UInt16(values.count).bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt16(0)) { bytes.append(contentsOf: $0) }
        for value in values { withUnsafeBytes(of: value.bitPattern.bigEndian) { bytes.append(contentsOf: $0) } }
        binary(bytes: bytes)
    }
}
