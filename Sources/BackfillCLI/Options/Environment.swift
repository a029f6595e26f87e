import Foundation

/// Settings as the seeds keep them: process environment first, then a `.env` file.
enum Environment {
    /// The process environment over the `.env` file of the working directory (if any).
    static func merged(dotEnvPath: String = ".env") -> [String: String] {
        var values = DotEnv.load(path: dotEnvPath)
        for (key, value) in ProcessInfo.processInfo.environment { values[key] = value }
        return values
    }
}

/// A minimal `.env` reader: `KEY=value`, optional `export `, quotes, `#` comments.
enum DotEnv {
    static func load(path: String) -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var values: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line.removeFirst("export ".count) }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        return values
    }
}
