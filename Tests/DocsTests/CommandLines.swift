import Foundation
import TestSupport

/// The commands and flags `backfill` really has, read from its own `--help`.
struct HelpCatalog {
    /// Subcommand names under each command path ("" is the root, "snapshot" a group).
    var subcommands: [String: [String]] = [:]
    /// Every `--flag` each command path's help mentions.
    var flags: [String: Set<String>] = [:]

    /// Flags ArgumentParser gives the root command (some hidden from its help).
    static let builtInFlags: Set<String> = ["--help", "--version", "--generate-completion-script", "--experimental-dump-help"]

    static func load() throws -> HelpCatalog {
        var catalog = HelpCatalog()
        var pending = [""]
        while let path = pending.popLast() {
            let arguments = (path.isEmpty ? [] : path.split(separator: " ").map(String.init)) + ["--help"]
            let help = try CLIProcess.run(arguments).stdout
            catalog.flags[path] = Set(MarkdownFile.matches(#"--[a-z0-9][a-z0-9-]*"#, in: help).map { MarkdownFile.substring(help, $0.range) })
            let names = subcommandNames(help)
            catalog.subcommands[path] = names + (path.isEmpty ? ["help"] : [])
            pending += names.map { path.isEmpty ? $0 : "\(path) \($0)" }
        }
        return catalog
    }

    /// The names listed under `SUBCOMMANDS:` (two spaces, then the name).
    static func subcommandNames(_ help: String) -> [String] {
        guard let start = help.range(of: "SUBCOMMANDS:\n") else { return [] }
        return help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).compactMap { line in
            guard let match = MarkdownFile.matches(#"^  ([a-z][a-z0-9-]*)(\s|$)"#, in: String(line)).first else { return nil }
            return MarkdownFile.substring(String(line), match.range(at: 1))
        }
    }
}

/// A `backfill …` command line found in the docs' code, and what it names.
struct CommandMention: Equatable {
    var file: String
    var line: Int
    /// The command path, e.g. "snapshot import"; several when the docs write `export|import`.
    var paths: [String]
    var flags: [String]

    /// Every invocation in `code`: the word `backfill` (or a path ending in `/bin/backfill`,
    /// `/debug/backfill`, `/release/backfill`) followed by a subcommand or a `--flag`. Anything
    /// else after the word (`backfill is already running`, `useradd … backfill`) is prose, not a
    /// command line. Reading stops at a shell separator or comment.
    static func find(in code: MarkdownFile.Code, file: String, catalog: HelpCatalog) -> [CommandMention] {
        let separators: Set<String> = ["|", "||", "&&", ";", ">", ">>", "2>&1", "<", "&"]
        let words = code.text.replacingOccurrences(of: "\\|", with: "|").split(whereSeparator: { $0 == " " || $0 == "\t" }).map { word in
            word.trimmingCharacters(in: CharacterSet(charactersIn: "[](),;:.'\"`"))
        }
        var found: [CommandMention] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            let isTool = word == "backfill" || ["/bin/backfill", "/debug/backfill", "/release/backfill"].contains { word.hasSuffix($0) }
            guard isTool, index < words.count else { continue }
            var paths = [""]
            var flags: [String] = []
            var cursor = index
            while cursor < words.count {
                let next = words[cursor]
                let alternatives = next.split(separator: "|").map(String.init)
                let extended = paths.flatMap { path in
                    alternatives.compactMap { name in catalog.subcommands[path]?.contains(name) == true ? (path.isEmpty ? name : "\(path) \(name)") : nil }
                }
                guard !alternatives.isEmpty, extended.count == paths.count * alternatives.count else { break }
                paths = extended
                cursor += 1
            }
            if paths == [""], !(words[cursor...].first.map(isFlag) ?? false) { continue }
            while cursor < words.count, !separators.contains(words[cursor]), !words[cursor].hasPrefix("#") {
                if isFlag(words[cursor]) {
                    flags.append(String(words[cursor].prefix { $0 != "=" }))
                }
                cursor += 1
            }
            found.append(CommandMention(file: file, line: code.line, paths: paths, flags: flags))
            index = cursor
        }
        return found
    }

    /// `--name` or `--name=value` (an arrow drawn as `------->` is not an option).
    static func isFlag(_ word: String) -> Bool {
        word.range(of: #"^--[a-z0-9][a-z0-9-]*(=.*)?$"#, options: .regularExpression) != nil
    }

    /// What is wrong with this mention: a flag none of its commands has.
    func problems(_ catalog: HelpCatalog) -> [String] {
        flags.compactMap { flag in
            let known = paths.allSatisfy { catalog.flags[$0, default: []].contains(flag) || ($0.isEmpty && HelpCatalog.builtInFlags.contains(flag)) }
            let shown = paths.map { "backfill \($0)".trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
            return known ? nil : "\(file):\(line): \(shown) has no option \(flag) (see its --help)"
        }
    }
}
