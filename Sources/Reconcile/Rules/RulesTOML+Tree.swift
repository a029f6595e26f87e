/// The tree of a rules file: tables opened by headers, by dotted keys and by inline tables,
/// with TOML's rules that nothing is defined twice, each error naming the line.
extension RulesTOML.Parser {
    typealias Table = RulesTOML.Table
    typealias Value = RulesTOML.Value

    /// Opens `[path]`: creates it (and its parents) or marks an implicit one explicit.
    mutating func defineTable(_ path: [String], line: Int) throws {
        let file = self.path
        try Self.open(path, in: &root, line: line, header: true,
                      error: { ReconcileError(code: .invalidRules, message: "\(file):\($1): \($0)") })
    }

    mutating func store(_ path: [String], _ value: Value, line: Int) throws {
        let file = self.path
        try Self.insert(path, value, into: &root, line: line,
                        error: { ReconcileError(code: .invalidRules, message: "\(file):\($1): \($0)") })
    }

    typealias MakeError = (String, Int) -> ReconcileError

    static func open(_ path: [String], in table: inout Table, line: Int, header: Bool, error: MakeError) throws {
        guard let first = path.first else { return }
        let name = first
        if let index = table.entries.firstIndex(where: { $0.key == name }) {
            guard case .table(var child) = table.entries[index].value.kind else {
                throw error("\(name) was already given a value on line \(table.entries[index].value.line); it cannot also be a table", line)
            }
            if path.count == 1 {
                if header && child.explicit {
                    throw error("the table [\(name)] is defined twice (first on line \(child.line))", line)
                }
                if header { child.explicit = true }
            } else {
                try open(Array(path.dropFirst()), in: &child, line: line, header: header, error: error)
            }
            table.entries[index].value.kind = .table(child)
        } else {
            var child = Table(line: line, explicit: header && path.count == 1)
            if path.count > 1 { try open(Array(path.dropFirst()), in: &child, line: line, header: header, error: error) }
            table.entries.append((name, Value(kind: .table(child), line: line)))
        }
    }

    static func insert(_ path: [String], _ value: Value, into table: inout Table, line: Int, error: MakeError) throws {
        if path.count > 1 {
            try open(Array(path.dropLast()), in: &table, line: line, header: false, error: error)
            try descend(Array(path.dropLast()), in: &table) { child in
                try insert([path.last!], value, into: &child, line: line, error: error)
            }
            return
        }
        let name = path[0]
        if let existing = table[name] {
            throw error("\(name) is set twice (first on line \(existing.line))", line)
        }
        table.entries.append((name, value))
    }

    static func descend(_ path: [String], in table: inout Table, _ body: (inout Table) throws -> Void) throws {
        guard let first = path.first, let index = table.entries.firstIndex(where: { $0.key == first }),
              case .table(var child) = table.entries[index].value.kind else { return try body(&table) }
        if path.count == 1 { try body(&child) } else { try descend(Array(path.dropFirst()), in: &child, body) }
        table.entries[index].value.kind = .table(child)
    }
}
