import Foundation
import Redaction

/// The one parser for `KEY=value` files: the config file (`backfill.conf`) and `.env`.
///
/// Syntax: one `KEY=value` per line, optional `export ` before the key, blank lines and lines
/// starting with `#` ignored, a value in matching single or double quotes taken verbatim
/// (so it may hold `#`, `=` or spaces); outside quotes, ` #` starts a comment. Strict mode (the
/// config file) rejects anything else with the line number, so a typo is not silently ignored;
/// lenient mode (`.env`, as the seeds wrote it) skips such lines.
public enum KeyValueFile {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        public var line: Int
    }

    public static func parse(_ text: String, path: String, strict: Bool) throws -> [Entry] {
        var entries: [Entry] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line.removeFirst("export ".count) }
            guard let eq = line.firstIndex(of: "=") else {
                // The line is echoed to help find it, redacted: it may be a setting with its `=` missing.
                if strict { throw OperationsError(.configuration, "\(path):\(lineNumber): expected KEY=value, found '\(Redactor.configLine(line).prefix(80))'") }
                continue
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            guard isValidKey(key) else {
                if strict { throw OperationsError(.configuration, "\(path):\(lineNumber): '\(Redactor.text(key).prefix(40))' is not a setting name (letters, digits and _)") }
                continue
            }
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if let first = value.first, first == "\"" || first == "'" {
                let rest = value.dropFirst()
                guard let close = rest.firstIndex(of: first) else {
                    if strict { throw OperationsError(.configuration, "\(path):\(lineNumber): the value of \(key) has no closing \(first)") }
                    continue
                }
                let after = rest[rest.index(after: close)...].trimmingCharacters(in: .whitespaces)
                if !after.isEmpty, !after.hasPrefix("#"), strict {
                    throw OperationsError(.configuration, "\(path):\(lineNumber): unexpected text after the quoted value of \(key)")
                }
                value = String(rest[..<close])
            } else if let comment = value.range(of: " #") {
                value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            entries.append(Entry(key: key, value: value, line: lineNumber))
        }
        return entries
    }

    /// Reads and parses a file; nil when it does not exist.
    public static func load(path: String, strict: Bool) throws -> [Entry]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw OperationsError(.configuration, "cannot read \(path): \(error.localizedDescription)")
        }
        return try parse(text, path: path, strict: strict)
    }

    static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.unicodeScalars.allSatisfy { ($0.properties.isASCIIHexDigit || ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_") }
    }
}
