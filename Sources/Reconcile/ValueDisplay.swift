/// How values read in human reports: NULL as a bare word and text in quotes with invisible
/// characters escaped, so `NULL`, `""` and `"NULL"` are told apart and a tab or newline shows
/// instead of breaking the layout. Long values are cut (JSON keeps them whole).
public enum ValueDisplay {
    public static let defaultLimit = 120

    public static func text(_ value: String?, limit: Int = defaultLimit) -> String {
        guard let value else { return "NULL" }
        var result = "\""
        var characters = 0
        for scalar in value.unicodeScalars {
            if characters >= limit {
                return result + "\"…"
            }
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) {
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
            characters += 1
        }
        return result + "\""
    }

    /// `column = value, …` for a key.
    public static func key(_ key: [DiffSample.KeyField], limit: Int = 60) -> String {
        key.map { "\($0.column) = \(text($0.value, limit: limit))" }.joined(separator: ", ")
    }

    /// Milliseconds as seconds with two decimals: `1.23 s`.
    public static func duration(milliseconds: Int) -> String {
        let hundredths = (milliseconds + 5) / 10
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) s"
    }
}
