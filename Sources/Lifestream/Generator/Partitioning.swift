extension EventGenerator {
    /// The partition the generator puts a subject on: FNV-1a 64 of the subject_id's UTF-8
    /// bytes modulo `partitions`. Stable across runs and platforms (unlike `hashValue`).
    public static func partition(forSubject subjectID: String, partitions: Int32) -> Int32 {
        partition(forSubjectBytes: Array(subjectID.utf8), partitions: partitions)
    }

    static func partition(forSubjectBytes bytes: [UInt8], partitions: Int32) -> Int32 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return Int32(hash % UInt64(Swift.max(1, partitions)))
    }
}
