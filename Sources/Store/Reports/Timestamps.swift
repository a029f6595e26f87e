import Foundation

/// The two timestamp spellings reports use, always UTC.
public enum Timestamps {
    /// `2025-06-01T12:00:00Z`
    public static func iso(_ date: Date) -> String {
        components(date) { "\($0)-\($1)-\($2)T\($3):\($4):\($5)Z" }
    }

    /// `20250601T120000Z`, for file names (sorts by time, no characters a shell minds).
    public static func compact(_ date: Date) -> String {
        components(date) { "\($0)\($1)\($2)T\($3)\($4)\($5)Z" }
    }

    private static func components(
        _ date: Date, _ format: (String, String, String, String, String, String) -> String
    ) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { let value = value ?? 0; return value < 10 ? "0\(value)" : "\(value)" }
        return format(String(parts.year ?? 0), two(parts.month), two(parts.day), two(parts.hour), two(parts.minute), two(parts.second))
    }
}
