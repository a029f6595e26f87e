import Foundation

/// What `reports/verify-latest.{json,md,html}` say: the running totals of a live verifier, how far
/// it has judged the stream, and what still waits for the live job. `format_version` 1.
public struct VerifyStatus: Sendable, Codable, Equatable {
    public struct TableRows: Sendable, Codable, Equatable {
        public var table: String
        public var rows: Int
        /// Rows per cause (`DiffCause` raw values); rows without a known cause are not listed.
        public var causes: [String: Int]
    }

    public struct PartitionPosition: Sendable, Codable, Equatable {
        public var partition: Int32
        /// Records below this offset are judged.
        public var verified: Int64
        /// The follower has applied records below this offset.
        public var applied: Int64
        /// The live group has committed this offset (nil: nothing committed).
        public var live: Int64?
    }

    public var formatVersion = 1
    public var generatedAt: String
    public var liveSchema: String
    /// The live side's database, password masked.
    public var liveDatabase: String
    public var shadowSchema: String
    public var liveGroup: String
    public var topic: String
    /// Subjects differing now, and the rows they differ in.
    public var differingSubjects: Int
    public var differingRows: Int
    public var tables: [TableRows]
    /// Differing subjects per cause (each under its first cause).
    public var subjectsByCause: [String: Int]
    /// Subjects with records the follower applied that the live group has not read yet.
    public var pendingSubjects: Int
    /// Records the follower applied that the live group has not read yet.
    public var liveBehindRecords: Int64
    public var partitions: [PartitionPosition]
    /// Diffs run since the verifier started: the initial full one and the incremental ones.
    public var diffs: Int
    /// Subjects compared by incremental diffs since the start.
    public var subjectsCompared: Int
    public var startedAt: String
    public var lastDiffAt: String?
    /// The last error the verifier met (it goes on and tries again), or nil.
    public var lastError: String?

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", generatedAt = "generated_at", liveSchema = "live_schema", liveDatabase = "live_database"
        case shadowSchema = "shadow_schema", liveGroup = "live_group", topic, differingSubjects = "differing_subjects"
        case differingRows = "differing_rows", tables, subjectsByCause = "subjects_by_cause", pendingSubjects = "pending_subjects"
        case liveBehindRecords = "live_behind_records", partitions, diffs, subjectsCompared = "subjects_compared"
        case startedAt = "started_at", lastDiffAt = "last_diff_at", lastError = "last_error"
    }

    /// Converged: nothing differs and nothing waits for the live job.
    public var isConverged: Bool { differingRows == 0 && pendingSubjects == 0 && liveBehindRecords == 0 }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// One line for logs and the terminal.
    public var line: String {
        "\(differingSubjects) subjects differ in \(differingRows) rows; \(pendingSubjects) subjects wait for the live group (\(liveBehindRecords) records behind)"
    }

    public func markdown() -> String {
        let md = MarkdownReport.self
        var lines = [
            "# Live verification: \(md.code(liveSchema)) against \(md.code(shadowSchema))", "",
            isConverged ? "**Converged**: the rows of every subject compared are equal and the live group has read all the follower applied."
                : "**\(differingSubjects) subjects differ in \(differingRows) rows**; \(pendingSubjects) subjects wait for the live group, which is \(liveBehindRecords) records behind the follower.",
            "",
            "Generated \(generatedAt); verifying since \(startedAt) (a full diff, then the subjects each batch touched once the live group \(md.code(liveGroup)) has read past them). "
                + "\(diffs) diffs, \(subjectsCompared) subjects compared incrementally" + (lastDiffAt.map { ", the last at \($0)" } ?? "") + ".",
            "",
            "Live: \(md.code(liveSchema)) on \(md.code(liveDatabase)). Topic \(md.code(topic)).",
        ]
        if let lastError { lines += ["", "Last error (the verifier goes on): \(md.escapeInline(lastError))"] }
        let causes = DiffCause.allCases.map(\.rawValue)
        lines += ["", "| table | differing rows | " + causes.joined(separator: " | ") + " |", "|---|--:|" + String(repeating: "--:|", count: causes.count)]
        for table in tables {
            lines.append("| \(md.code(table.table)) | \(table.rows) | " + causes.map { "\(table.causes[$0] ?? 0)" }.joined(separator: " | ") + " |")
        }
        lines += ["", "| partition | judged below | follower applied below | live group committed |", "|--:|--:|--:|--:|"]
        for position in partitions {
            lines.append("| \(position.partition) | \(position.verified) | \(position.applied) | \(position.live.map(String.init) ?? "none") |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func html() -> String {
        let h = HTMLReport.self
        let causes = DiffCause.allCases.map(\.rawValue)
        var body = "<h1>Live verification: <code>\(h.escape(liveSchema))</code> against <code>\(h.escape(shadowSchema))</code></h1>"
        body += isConverged ? "<p class=\"verdict match\"><strong>Converged</strong>: the rows of every subject compared are equal and the live group has read all the follower applied.</p>"
            : "<p class=\"verdict diverged\"><strong>\(differingSubjects) subjects differ in \(differingRows) rows</strong>; \(pendingSubjects) subjects wait for the live group, \(liveBehindRecords) records behind the follower.</p>"
        body += "<p>Generated \(h.escape(generatedAt)); verifying since \(h.escape(startedAt)) on live group <code>\(h.escape(liveGroup))</code>, topic <code>\(h.escape(topic))</code>, live database <code>\(h.escape(liveDatabase))</code>. \(diffs) diffs, \(subjectsCompared) subjects compared incrementally.</p>"
        if let lastError { body += "<p>Last error (the verifier goes on): \(h.escape(lastError))</p>" }
        body += "<table><tr><th>table</th><th class=\"n\">differing rows</th>" + causes.map { "<th class=\"n\">\(h.escape($0))</th>" }.joined() + "</tr>"
        for table in tables {
            body += "<tr><td><code>\(h.escape(table.table))</code></td><td class=\"n\">\(table.rows)</td>" + causes.map { "<td class=\"n\">\(table.causes[$0] ?? 0)</td>" }.joined() + "</tr>"
        }
        body += "</table><table><tr><th class=\"n\">partition</th><th class=\"n\">judged below</th><th class=\"n\">follower applied below</th><th class=\"n\">live committed</th></tr>"
        for position in partitions {
            body += "<tr><td class=\"n\">\(position.partition)</td><td class=\"n\">\(position.verified)</td><td class=\"n\">\(position.applied)</td><td class=\"n\">\(position.live.map(String.init) ?? "none")</td></tr>"
        }
        body += "</table>"
        return h.page(title: "Live verification: \(liveSchema) against \(shadowSchema)", body: body)
    }
}
