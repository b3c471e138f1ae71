/// One thing wrong with a codeb.yaml, located: `file:line:column: key.path: sentence`.
public struct SpecProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    /// 1-based.
    public var line: Int
    /// 1-based, counted in Unicode scalars.
    public var column: Int
    /// Where in the document, e.g. `environments.staging.domains[1]`; empty for the whole file.
    public var path: String
    /// A plain sentence saying what is wrong and, where it can, what to write instead.
    public var message: String

    public init(file: String, line: Int, column: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var description: String {
        path.isEmpty
            ? "\(file):\(line):\(column): \(message)"
            : "\(file):\(line):\(column): \(path): \(message)"
    }
}

/// Every problem found in a spec, in document order. Loading reports all of them at once.
public struct SpecError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var problems: [SpecProblem]

    public init(problems: [SpecProblem]) {
        self.problems = problems
    }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
