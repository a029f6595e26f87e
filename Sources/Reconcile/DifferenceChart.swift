/// An inline SVG bar chart of differing rows per table, split by cause (or, when causes are
/// unavailable, by kind: only left, only right, changed). Pure markup, no script.
public enum DifferenceChart {
    /// A bar's segment: label, count and colour.
    public struct Segment: Sendable, Equatable {
        public var label: String
        public var count: Int
        public var color: String
    }

    public static let causeColors: [DiffCause: String] = [
        .changedWithoutEvents: "#2c3e50", .partialBeforeCreate: "#8e44ad", .duplicateDifferentPayload: "#d35400", .outOfOrder: "#2980b9",
        .missingEvent: "#c0392b", .liveColumnRule: "#16a085", .unexplained: "#7f8c8d",
    ]
    public static let kindColors: [DifferenceKind: String] = [
        .onlyLeft: "#c0392b", .onlyRight: "#2980b9", .changed: "#e67e22",
    ]

    /// The segments of one table's bar.
    public static func segments(_ table: TableDiff, causesAvailable: Bool) -> [Segment] {
        if causesAvailable, !table.causes.isEmpty {
            return table.causes.map { Segment(label: $0.cause.rawValue, count: $0.rows, color: causeColors[$0.cause] ?? "#999") }
        }
        return DifferenceKind.allCases.map {
            Segment(label: $0.rawValue, count: table.count($0), color: kindColors[$0] ?? "#999")
        }
    }

    public static func svg(_ report: DiffReport) -> String {
        let available = report.causes.isAvailable
        let bars = report.tables.map { (name: $0.name, total: $0.differences, segments: segments($0, causesAvailable: available)) }
        let legend = available
            ? DiffCause.allCases.map { Segment(label: $0.rawValue, count: 0, color: causeColors[$0] ?? "#999") }
            : DifferenceKind.allCases.map { Segment(label: $0.rawValue, count: 0, color: kindColors[$0] ?? "#999") }
        let labelWidth = 170, barWidth = 520, countWidth = 90, rowHeight = 26, top = 34
        let width = labelWidth + barWidth + countWidth
        let height = top + bars.count * rowHeight + 10
        let largest = max(1, bars.map(\.total).max() ?? 1)
        var parts = [
            "<svg width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" "
                + "role=\"img\" aria-label=\"Differing rows per table\" font-family=\"system-ui, sans-serif\" font-size=\"12\">",
        ]
        var legendX = 0
        for item in legend {
            parts.append("<rect x=\"\(legendX)\" y=\"4\" width=\"12\" height=\"12\" fill=\"\(item.color)\"/>"
                + "<text x=\"\(legendX + 16)\" y=\"14\">\(HTMLReport.escape(item.label))</text>")
            legendX += 24 + item.label.count * 7
        }
        for (index, bar) in bars.enumerated() {
            let y = top + index * rowHeight
            parts.append("<text x=\"\(labelWidth - 8)\" y=\"\(y + 15)\" text-anchor=\"end\">\(HTMLReport.escape(bar.name))</text>")
            parts.append("<rect x=\"\(labelWidth)\" y=\"\(y + 2)\" width=\"\(barWidth)\" height=\"18\" fill=\"#f2f2f5\"/>")
            var x = Double(labelWidth)
            for segment in bar.segments where segment.count > 0 {
                let segmentWidth = max(1.0, Double(barWidth) * Double(segment.count) / Double(largest))
                parts.append("<rect x=\"\(format(x))\" y=\"\(y + 2)\" width=\"\(format(segmentWidth))\" height=\"18\" "
                    + "fill=\"\(segment.color)\"><title>\(HTMLReport.escape(bar.name)): \(segment.count) \(HTMLReport.escape(segment.label))</title></rect>")
                x += segmentWidth
            }
            parts.append("<text x=\"\(labelWidth + barWidth + 8)\" y=\"\(y + 15)\">\(bar.total)</text>")
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    private static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
