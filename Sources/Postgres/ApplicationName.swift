/// `application_name` values that show up in `pg_stat_activity` exactly as they were sent.
///
/// PostgreSQL keeps at most 63 bytes of an application name and escapes anything that is not
/// printable ASCII, so a name built from a schema or host name could arrive changed and no
/// longer match what a later process looks for. `fitting` leaves a short ASCII name alone and
/// turns any other into a readable prefix plus a hash of the whole, so distinct names stay
/// distinct and the same name always comes out the same.
public enum ApplicationName {
    /// NAMEDATALEN − 1: the bytes PostgreSQL keeps.
    public static let maximumLength = 63

    public static func fitting(_ text: String) -> String {
        let isPrintable: (Unicode.Scalar) -> Bool = { $0.value >= 0x20 && $0.value < 0x7f }
        if text.unicodeScalars.allSatisfy(isPrintable) && text.utf8.count <= maximumLength { return text }
        let hash = UInt64(bitPattern: AdvisoryLease.key(text))
        let suffix = "~" + String(UInt32(truncatingIfNeeded: hash ^ (hash >> 32)), radix: 16)
        let readable = text.unicodeScalars.prefix(maximumLength - suffix.utf8.count).map { isPrintable($0) ? Character($0) : "?" }
        return String(readable) + suffix
    }
}
