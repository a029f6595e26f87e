/// Columns where the live job's rule differs from the contract even when every event arrives in
/// order: its upsert writes the column from each event, while the contract keeps the earliest
/// value (`subjects.created_at` is the minimum `occurred_at`). A row whose only differences are
/// in such columns is explained by that rule, not by the event log.
enum LiveColumnRule {
    static let columns: [String: Set<String>] = ["subjects": ["created_at"]]

    /// Whether `changed` (column names) is non-empty and all of it is explained by the rule.
    static func explains(table: String, changed: [String]) -> Bool {
        guard let known = columns[table], !changed.isEmpty else { return false }
        return changed.allSatisfy(known.contains)
    }
}
