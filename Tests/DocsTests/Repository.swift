import Foundation

/// The repository this test file sits in, and the documents the docs tests read.
enum Repository {
    /// `<root>/Tests/DocsTests/Repository.swift` → `<root>`.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.standardizedFileURL.path
    }()

    /// README.md, CHANGELOG.md and every Markdown file under docs/, relative to the root.
    static func documents() throws -> [String] {
        var found = ["README.md", "CHANGELOG.md"]
        let docs = (root as NSString).appendingPathComponent("docs")
        guard let walker = FileManager.default.enumerator(atPath: docs) else { return found }
        for case let relative as String in walker where relative.hasSuffix(".md") {
            found.append("docs/" + relative)
        }
        return found.sorted()
    }

    static func read(_ relative: String) throws -> String {
        try String(contentsOfFile: (root as NSString).appendingPathComponent(relative), encoding: .utf8)
    }

    static func markdown(_ relative: String) throws -> MarkdownFile {
        MarkdownFile(path: relative, text: try read(relative))
    }
}

/// A child process run to its end, its output kept (for scripts and tools other than `backfill`,
/// which `CLIProcess` runs).
struct Command {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Runs `arguments` (the first is looked up on PATH) in `directory`; gives up after `timeout`
    /// seconds by terminating it, so a hung child fails the test instead of hanging the suite.
    static func run(_ arguments: [String], in directory: String = Repository.root, environment: [String: String] = [:],
                    timeout: TimeInterval = 600) throws -> Command {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("docs-\(UUID().uuidString)")
        let out = scratch.appendingPathExtension("out"), err = scratch.appendingPathExtension("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        try process.run()
        if ended.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            ended.wait()
        }
        return Command(status: process.terminationStatus,
                       stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}
