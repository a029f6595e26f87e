/// `backfill lag` on a terminal and in Markdown: one row per partition with every group's
/// committed offset and lag, then one line per group.
public enum LagText {
    public static func render(_ report: LagReport) -> String {
        var header = ["partition", "low", "high"]
        for group in report.groups { header += ["\(group.group) committed", "lag"] }
        header.append("ahead")
        let rows = report.partitions.map { partition -> [String] in
            var row = [String(partition.partition), String(partition.lowWatermark), String(partition.highWatermark)]
            for position in partition.groups {
                row += [position.committed.map(String.init) ?? "none", position.lag.map(String.init) ?? "-"]
            }
            row.append(partition.ahead ?? "level")
            return row
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                return index == 0 || index == cells.count - 1 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
        var lines = ["lag on \(report.topic)", line(header)]
        lines += rows.map(line)
        lines += report.groups.map(summary)
        lines.append("ahead overall: \(report.ahead ?? "level (no single group leads)")")
        return lines.joined(separator: "\n")
    }

    /// "flink-materializer-v1: lag 12 over 4 partitions, ahead on 3" or "… has no committed offsets".
    public static func summary(_ group: GroupLagSummary) -> String {
        guard group.hasCommittedOffsets else {
            return "\(group.group): no committed offsets on this topic (the group has not consumed it, or does not exist)"
        }
        var text = "\(group.group): lag \(group.committedLag)"
        if !group.partitionsWithoutCommit.isEmpty {
            text += ", nothing committed on partition\(group.partitionsWithoutCommit.count == 1 ? "" : "s") "
                + group.partitionsWithoutCommit.map(String.init).joined(separator: ", ")
                + " (\(group.effectiveLag) counting those partitions' whole log)"
        }
        return text + ", ahead on \(group.partitionsAhead) partition\(group.partitionsAhead == 1 ? "" : "s")"
    }

    /// The partition table as Markdown.
    public static func markdown(_ report: LagReport) -> String {
        var header = "| partition | low | high |"
        var rule = "|--:|--:|--:|"
        for group in report.groups {
            header += " \(MarkdownReport.code(group.group)) committed | lag |"
            rule += "--:|--:|"
        }
        var lines = [header + " ahead |", rule + "---|"]
        for partition in report.partitions {
            var line = "| \(partition.partition) | \(partition.lowWatermark) | \(partition.highWatermark) |"
            for position in partition.groups {
                line += " \(position.committed.map(String.init) ?? "none") | \(position.lag.map(String.init) ?? "–") |"
            }
            lines.append(line + " \(partition.ahead.map(MarkdownReport.code) ?? "level") |")
        }
        lines.append("")
        lines += report.groups.map { "- " + MarkdownReport.escapeInline(summary($0)) }
        lines.append("- ahead overall: \(report.ahead.map(MarkdownReport.code) ?? "level")")
        return lines.joined(separator: "\n")
    }
}
