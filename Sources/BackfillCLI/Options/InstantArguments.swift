/// Lets a relative instant follow its option as a separate word, as the help shows:
/// `--since -24h --until now`.
///
/// ArgumentParser reads `-24h` as the short options `-2 -4 -h`, and since `-h` asks for help it
/// prints the help and exits 0 before any option is parsed (`parsing: .unconditional` does not
/// help: the help check comes first). So before parsing, `--since -24h` becomes
/// `--since=-24h`, which it reads as one option with its value. Only the instant options, and
/// only a value shaped like a relative instant, are joined: every other word is left alone.
enum InstantArguments {
    static let options: Set<String> = ["--since", "--until"]

    static func attached(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if word == "--" { result += arguments[index...]; break }
            if options.contains(word), index + 1 < arguments.count, isNegativeRelative(arguments[index + 1]) {
                result.append(word + "=" + arguments[index + 1])
                index += 2
            } else {
                result.append(word)
                index += 1
            }
        }
        return result
    }

    /// `-24h`, `-90m`, `-7d`, `-30s`, `-2w`: what `InstantParser` reads as a time before now.
    static func isNegativeRelative(_ word: String) -> Bool {
        let scalars = Array(word.unicodeScalars)
        guard scalars.count >= 3, scalars[0] == "-", let unit = scalars.last, "smhdw".unicodeScalars.contains(unit) else { return false }
        return scalars.dropFirst().dropLast().allSatisfy { ("0"..."9").contains($0) }
    }
}
