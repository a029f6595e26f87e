import Foundation

/// Checks that the links of Markdown files stay inside the repository and resolve: a relative
/// path must name a file or folder under `root`, and an anchor into a Markdown file must name
/// one of its headings. Anything else — a web address, an absolute path, a path that climbs out
/// of the repository (`../shared/…` does not exist in a clone) — is a problem.
enum LinkCheck {
    static func problems(root: String, files: [String]) throws -> [String] {
        let root = URL(fileURLWithPath: root).standardizedFileURL.path
        var parsed: [String: MarkdownFile] = [:]
        func markdown(_ relative: String) throws -> MarkdownFile {
            if let file = parsed[relative] { return file }
            let text = try String(contentsOfFile: (root as NSString).appendingPathComponent(relative), encoding: .utf8)
            let file = MarkdownFile(path: relative, text: text)
            parsed[relative] = file
            return file
        }
        var problems: [String] = []
        for relative in files {
            let file = try markdown(relative)
            let text = try String(contentsOfFile: (root as NSString).appendingPathComponent(relative), encoding: .utf8)
            for mention in ["../shared/", "/work/shared", "/work/wt/"] where text.contains(mention) {
                problems.append("\(relative): mentions \(mention), which does not exist in a clone of the repository")
            }
            for link in file.links {
                let at = "\(relative):\(link.line): link '\(link.target)'"
                if link.target.range(of: #"^[a-zA-Z][a-zA-Z0-9+.-]*:"#, options: .regularExpression) != nil {
                    problems.append("\(at) leads outside the repository; restate what it says, or link a file in the repository")
                    continue
                }
                if link.target.hasPrefix("/") {
                    problems.append("\(at) is an absolute path; use a path relative to \(relative)")
                    continue
                }
                let parts = link.target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                let pathPart = String(parts[0]).removingPercentEncoding ?? String(parts[0])
                let anchor = parts.count > 1 ? String(parts[1]) : nil
                let directory = ((root as NSString).appendingPathComponent(relative) as NSString).deletingLastPathComponent
                let resolved = pathPart.isEmpty
                    ? (root as NSString).appendingPathComponent(relative)
                    : URL(fileURLWithPath: (directory as NSString).appendingPathComponent(pathPart)).standardizedFileURL.path
                guard resolved == root || resolved.hasPrefix(root + "/") else {
                    problems.append("\(at) leaves the repository (\(resolved))")
                    continue
                }
                guard FileManager.default.fileExists(atPath: resolved) else {
                    problems.append("\(at): \(String(resolved.dropFirst(root.count + 1))) does not exist")
                    continue
                }
                if let anchor, resolved.hasSuffix(".md") {
                    let target = try markdown(String(resolved.dropFirst(root.count + 1)))
                    if !target.anchors.contains(anchor.lowercased()) {
                        problems.append("\(at): \(target.path) has no heading with the anchor #\(anchor)")
                    }
                }
            }
        }
        return problems
    }
}
