/// How names and free text from outside (schema and table names, topics, paths, error text)
/// appear in the tool's human output, so that no name can forge or hide a line.
///
/// A schema may legally be called `x\nnightly OK (exit 0)`; printed raw, its newline would
/// start a line of the summary that the tool never wrote, and an ESC could rewrite the
/// terminal. Every name in text output goes through `Display.name`, every whole line through
/// `Display.line`. JSON output needs neither: its encoder escapes.
public enum Display {
    /// `name` as is when it is plain (letters, digits, `_ $ . - / : @ + , =`), else in double
    /// quotes with `"` and `\` escaped and every control, format or separator character
    /// written as `\n`, `\r`, `\t` or `\u{…}`. An empty name shows as `""`.
    public static func name(_ name: String) -> String {
        if !name.isEmpty, name.unicodeScalars.allSatisfy(isPlain) { return name }
        var quoted = "\""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            default: quoted += escaped(scalar)
            }
        }
        return quoted + "\""
    }

    /// `text` with every control, format or line-separator character escaped (`\n`, `\u{1B}`),
    /// so it prints as exactly one line whatever it holds. Other characters are kept.
    public static func line(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        for scalar in text.unicodeScalars { result += escaped(scalar) }
        return result
    }

    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        guard needsEscape(scalar) else { return String(scalar) }
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default: return "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        }
    }

    /// Controls (C0, DEL, C1), format characters (bidirectional overrides, zero-width joiners)
    /// and the line and paragraph separators: what can move, hide or reorder text on a screen.
    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse: return true
        default: return false
        }
    }

    private static func isPlain(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        case "_", "$", ".", "-", "/", ":", "@", "+", ",", "=": return true
        default: return false
        }
    }
}
