import Foundation

/// Identifiers of runs and names of dated folders: `run-20261123T205159Z-59e29c`. The UTC time
/// first keeps them sortable by start; six random hex digits keep two starts in one second apart;
/// neither needs quoting in a file or folder name.
public enum RunID {
    /// `<prefix>-<compact UTC time>-<6 hex digits>`.
    public static func make(_ prefix: String, at date: Date = Date()) -> String {
        "\(prefix)-\(compactTime(date))-\(UUID().uuidString.prefix(6).lowercased())"
    }

    /// `20261123T205159Z`.
    public static func compactTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}
