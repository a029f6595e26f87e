import Foundation
import TestSupport
import Testing

@Suite("Documentation")
struct DocumentationTests {
    @Test("every relative link in the README and docs/ resolves inside the repository, anchors included")
    func linksResolve() throws {
        let files = try Repository.documents()
        #expect(files.contains("docs/contract.md"), "the docs folder was not found: \(files)")
        let problems = try LinkCheck.problems(root: Repository.root, files: files)
        #expect(problems.isEmpty, "\(problems.count) broken link(s):\n\(problems.joined(separator: "\n"))")
    }

    @Test("the link check refuses a missing file, a missing anchor, a web link, an absolute path and a path out of the repository")
    func linkCheckCanFail() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("links-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/docs", withIntermediateDirectories: true)
        try """
            # Guide

            ## Step two — `run`

            [fine](docs/other.md#the-other-page) [fine too](#step-two--run) `[not a link](nowhere.md)`
            [gone](docs/missing.md)
            [no anchor](docs/other.md#nothing-here)
            [web](https://example.com/page)
            [absolute](/etc/passwd)
            [outside](../shared/spec/lifestream-events.md)
            <!-- [in a comment](not-checked.md) -->
            ```
            [in code](not-checked-either.md)
            ```
            """.write(toFile: root + "/README.md", atomically: true, encoding: .utf8)
        try "# The other page\n".write(toFile: root + "/docs/other.md", atomically: true, encoding: .utf8)

        let problems = try LinkCheck.problems(root: root, files: ["README.md", "docs/other.md"])

        let expected = [
            "README.md:6: link 'docs/missing.md': docs/missing.md does not exist",
            "README.md:7: link 'docs/other.md#nothing-here': docs/other.md has no heading with the anchor #nothing-here",
            "README.md:8: link 'https://example.com/page' leads outside the repository",
            "README.md:9: link '/etc/passwd' is an absolute path",
            "README.md:10: link '../shared/spec/lifestream-events.md' leaves the repository",
            "README.md: mentions ../shared/",
        ]
        #expect(problems.count == expected.count, "\(problems)")
        for prefix in expected {
            #expect(problems.contains { $0.hasPrefix(prefix) }, "expected a problem starting with \(prefix) in \(problems)")
        }
    }

    @Test("headings get GitHub's anchors: code, punctuation and emphasis dropped, spaces as hyphens, repeats numbered")
    func anchors() {
        #expect(MarkdownFile.slug("Snapshots — `scripts/bench-snapshot.sh`") == "snapshots--scriptsbench-snapshotsh")
        #expect(MarkdownFile.slug("4. Repair the live tables (optional)") == "4-repair-the-live-tables-optional")
        #expect(MarkdownFile.slug("The **embedding** backfill (`backfill embed`)") == "the-embedding-backfill-backfill-embed")
        let file = MarkdownFile(path: "x.md", text: "# A\n## Notes\n### Notes\n```\n# not a heading\n```\n")
        #expect(file.anchors == ["a", "notes", "notes-1"])
    }

    @Test("the README stays an overview of at most 10 KB")
    func readmeSize() throws {
        let size = try Repository.read("README.md").utf8.count
        #expect(size <= 10 * 1024, "README.md is \(size) bytes; move detail into docs/")
    }

    @Test("every backfill command line in the README and docs/ names a real command and real options", .tags(.integration))
    func commandsExist() throws {
        let catalog = try HelpCatalog.load()
        #expect(catalog.subcommands[""]?.contains("cutover-report") == true, "could not read the commands from backfill --help")
        var mentions: [CommandMention] = []
        for relative in try Repository.documents() {
            let file = try Repository.markdown(relative)
            for code in file.code { mentions += CommandMention.find(in: code, file: relative, catalog: catalog) }
        }
        #expect(mentions.count > 50, "only \(mentions.count) command lines found: the scan is broken")
        let problems = mentions.flatMap { $0.problems(catalog) }
        #expect(problems.isEmpty, "\(problems.count) unknown option(s):\n\(problems.joined(separator: "\n"))")
    }

    @Test("the command scan finds invocations, their flags and alternatives, and skips prose")
    func commandScan() {
        var catalog = HelpCatalog()
        catalog.subcommands = ["": ["run", "snapshot", "help"], "snapshot": ["export", "import"], "run": [], "snapshot export": [], "snapshot import": []]
        catalog.flags = ["": ["--help"], "run": ["--after", "--since"], "snapshot export": ["--schema"], "snapshot import": ["--schema", "--replace"]]
        func scan(_ text: String) -> [CommandMention] {
            CommandMention.find(in: .init(text: text, line: 3), file: "f.md", catalog: catalog)
        }
        #expect(scan("backfill run --since=-24h --after x.json # --not-this") == [.init(file: "f.md", line: 3, paths: ["run"], flags: ["--since", "--after"])])
        #expect(scan("cd /srv && /usr/local/bin/backfill snapshot export\\|import --schema s > out") ==
            [.init(file: "f.md", line: 3, paths: ["snapshot export", "snapshot import"], flags: ["--schema"])])
        #expect(scan("another backfill is already running; useradd --home /srv/backfill backfill").isEmpty)
        #expect(scan("backfill run --bogus")[0].problems(catalog) == ["f.md:3: backfill run has no option --bogus (see its --help)"])
        #expect(scan("backfill snapshot export|import --replace")[0].problems(catalog).count == 1)
        #expect(scan("backfill --version")[0].problems(catalog).isEmpty)
        #expect(scan("live  <------- backfill run ------->  shadow") == [.init(file: "f.md", line: 3, paths: ["run"], flags: [])])
    }
}
