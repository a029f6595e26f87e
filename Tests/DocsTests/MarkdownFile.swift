import Foundation

/// What the docs tests read from a Markdown file: its links (outside code and HTML comments),
/// its headings' anchors as GitHub renders them, and its code (inline spans and fenced blocks).
///
/// Not a Markdown renderer: enough of CommonMark for the repository's own files, which is what a
/// reader clicking through them on GitHub or in an editor relies on.
struct MarkdownFile {
    struct Link: Equatable {
        var target: String
        var line: Int
    }

    /// One piece of code: an inline span, or one line of a fenced block.
    struct Code: Equatable {
        var text: String
        var line: Int
    }

    let path: String
    private(set) var links: [Link] = []
    private(set) var anchors: Set<String> = []
    private(set) var code: [Code] = []

    init(path: String, text: String) {
        self.path = path
        // HTML comments (the coordinator's notes among them) render as nothing: blank them out,
        // keeping line breaks so line numbers stay right.
        let visible = Self.blankingComments(text)
        var prose: [String] = []
        var fence: String?
        var slugCounts: [String: Int] = [:]
        for (index, line) in visible.components(separatedBy: "\n").enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let open = fence {
                if trimmed.hasPrefix(open) { fence = nil } else { code.append(Code(text: line, line: index + 1)) }
                prose.append("")
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fence = String(trimmed.prefix(3))
                prose.append("")
                continue
            }
            prose.append(line)
            if let heading = Self.heading(trimmed) {
                let slug = Self.slug(heading)
                let seen = slugCounts[slug, default: 0]
                slugCounts[slug] = seen + 1
                anchors.insert(seen == 0 ? slug : "\(slug)-\(seen)")
            }
        }
        let text = prose.joined(separator: "\n")
        // Inline code spans may run over a line break (not over a blank line); links inside them
        // are not links.
        var outsideCode = text
        for match in Self.matches(#"(`+)((?:(?!\n\s*\n).)+?)\1"#, in: text, options: [.dotMatchesLineSeparators]).reversed() {
            let span = match.range(at: 2)
            code.append(Code(text: Self.substring(text, span).replacingOccurrences(of: "\n", with: " "),
                             line: Self.lineNumber(of: match.range.location, in: text)))
            let whole = Range(match.range, in: outsideCode)!
            outsideCode.replaceSubrange(whole, with: String(repeating: " ", count: match.range.length))
        }
        code.sort { $0.line < $1.line }
        for match in Self.matches(#"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)"#, in: outsideCode) {
            links.append(Link(target: Self.substring(outsideCode, match.range(at: 1)), line: Self.lineNumber(of: match.range.location, in: outsideCode)))
        }
        for match in Self.matches(#"(?m)^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)"#, in: outsideCode) {
            links.append(Link(target: Self.substring(outsideCode, match.range(at: 1)), line: Self.lineNumber(of: match.range.location, in: outsideCode)))
        }
        // Autolinks and bare web addresses lead outside the repository just as much.
        for match in Self.matches(#"<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]+)>|(?<![\w(<])(https?://[^\s)>\]]+)"#, in: outsideCode) {
            let range = match.range(at: 1).location != NSNotFound ? match.range(at: 1) : match.range(at: 2)
            links.append(Link(target: Self.substring(outsideCode, range), line: Self.lineNumber(of: match.range.location, in: outsideCode)))
        }
        links.sort { $0.line < $1.line }
    }

    /// The text of an ATX heading (`## Title`), or nil.
    static func heading(_ line: String) -> String? {
        guard let match = matches(#"^#{1,6}[ \t]+(.*?)[ \t#]*$"#, in: line).first else { return nil }
        return substring(line, match.range(at: 1))
    }

    /// GitHub's anchor for a heading: the rendered text (code, emphasis and link markup gone),
    /// lower-cased, everything but letters, digits, `_`, `-` and spaces dropped, spaces as `-`.
    static func slug(_ heading: String) -> String {
        var text = heading
        for match in matches(#"\[([^\]]*)\]\([^)]*\)"#, in: text).reversed() {
            let label = substring(text, match.range(at: 1))
            text.replaceSubrange(Range(match.range, in: text)!, with: label)
        }
        text = text.replacingOccurrences(of: "`", with: "").replacingOccurrences(of: "*", with: "")
        var slug = ""
        for scalar in text.lowercased().unicodeScalars {
            if scalar == " " { slug.append("-") }
            else if scalar == "-" || scalar == "_" || CharacterSet.alphanumerics.contains(scalar) { slug.unicodeScalars.append(scalar) }
        }
        return slug
    }

    static func blankingComments(_ text: String) -> String {
        var result = text
        for match in matches(#"<!--.*?-->"#, in: text, options: [.dotMatchesLineSeparators]).reversed() {
            let comment = substring(text, match.range)
            let blank = String(comment.map { $0 == "\n" ? "\n" : " " })
            result.replaceSubrange(Range(match.range, in: result)!, with: blank)
        }
        return result
    }

    static func matches(_ pattern: String, in text: String, options: NSRegularExpression.Options = []) -> [NSTextCheckingResult] {
        let regex = try! NSRegularExpression(pattern: pattern, options: options)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text))
    }

    static func substring(_ text: String, _ range: NSRange) -> String {
        String(text[Range(range, in: text)!])
    }

    static func lineNumber(of location: Int, in text: String) -> Int {
        let prefix = (text as NSString).substring(to: location)
        return prefix.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }
}
