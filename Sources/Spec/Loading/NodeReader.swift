import Yams

/// A value read from the document, with where it was written (for later cross-field checks).
struct Located<Value> {
    var value: Value
    var position: Position
    var path: KeyPath
}

/// Walks the composed YAML tree, turning nodes into typed values and collecting every
/// problem instead of stopping at the first one.
struct NodeReader {
    /// One key/value pair of a mapping.
    struct Entry {
        var key: String
        var keyPosition: Position
        var value: Node
        var path: KeyPath
    }

    let file: String
    let variables: Variables
    private(set) var problems: [SpecProblem] = []

    init(file: String, variables: Variables) {
        self.file = file
        self.variables = variables
    }

    mutating func report(_ path: KeyPath, at position: Position, _ message: String) {
        problems.append(SpecProblem(file: file, line: position.line, column: position.column, path: path.description, message: message))
    }

    /// The pairs of a mapping in document order. Reports a node that is not a mapping and keys
    /// that are not strings. (The composer has already refused duplicate keys.)
    mutating func pairs(_ node: Node, at path: KeyPath, what: String) -> [Entry]? {
        guard case .mapping(let mapping) = node else {
            report(path, at: Position(node.mark), "\(what) must be a mapping of keys to values, found \(Self.kind(of: node))")
            return nil
        }
        var entries: [Entry] = []
        for (keyNode, value) in mapping {
            let keyPosition = Position(keyNode.mark)
            guard case .scalar(let scalar) = keyNode, !Self.isNull(scalar) else {
                report(path, at: keyPosition, "a key must be a plain name, found \(Self.kind(of: keyNode))")
                continue
            }
            entries.append(Entry(key: scalar.string, keyPosition: keyPosition, value: value, path: path.appending(scalar.string)))
        }
        return entries
    }

    /// The pairs of a mapping whose keys must come from `allowed`; others are reported with a
    /// "did you mean" or, for keys in `misplaced`, that entry's explanation.
    mutating func fields(
        _ node: Node, at path: KeyPath, what: String, allowed: [String], misplaced: [String: String] = [:]
    ) -> [String: Entry]? {
        guard let entries = pairs(node, at: path, what: what) else { return nil }
        var fields: [String: Entry] = [:]
        for entry in entries {
            if allowed.contains(entry.key) {
                fields[entry.key] = entry
            } else if let explanation = misplaced[entry.key] {
                report(entry.path, at: entry.keyPosition, explanation)
            } else if let suggestion = Suggestion.closest(to: entry.key, in: allowed) {
                report(entry.path, at: entry.keyPosition, "unknown key; did you mean `\(suggestion)`?")
            } else {
                let list = allowed.map { "`\($0)`" }.joined(separator: ", ")
                report(entry.path, at: entry.keyPosition, "unknown key; \(what) takes \(list)")
            }
        }
        return fields
    }

    /// A scalar's text with variables expanded. Reports non-scalars, empty values and NUL bytes.
    mutating func text(_ node: Node, at path: KeyPath, what: String) -> Located<String>? {
        let position = Position(node.mark)
        guard case .scalar(let scalar) = node else {
            report(path, at: position, "must be a single value, not \(Self.kind(of: node)); write \(what)")
            return nil
        }
        if Self.isNull(scalar) {
            report(path, at: position, "is empty; write \(what)")
            return nil
        }
        switch variables.expand(scalar.string) {
        case .expanded(let expanded):
            if expanded.unicodeScalars.contains("\0") {
                report(path, at: position, "contains a NUL character, which no container or file can carry")
                return nil
            }
            return Located(value: expanded, position: position, path: path)
        case .failed(let failures):
            for failure in failures {
                report(path, at: Self.position(ofOffset: failure.offset, in: scalar, start: position), failure.message)
            }
            return nil
        }
    }

    /// A scalar parsed into a typed value; a parse failure is reported at the value.
    mutating func value<T>(
        _ node: Node, at path: KeyPath, what: String, _ parse: (String) throws(InvalidValue) -> T
    ) -> Located<T>? {
        guard let text = text(node, at: path, what: what) else { return nil }
        do {
            return Located(value: try parse(text.value), position: text.position, path: path)
        } catch {
            report(path, at: text.position, error.message)
            return nil
        }
    }

    /// A whole number written without quotes, within `range`.
    mutating func integer(_ node: Node, at path: KeyPath, what: String, range: ClosedRange<Int>) -> Located<Int>? {
        if case .scalar(let scalar) = node, scalar.style == .singleQuoted || scalar.style == .doubleQuoted {
            report(path, at: Position(node.mark), "\(what) must be a number; remove the quotes")
            return nil
        }
        return value(node, at: path, what: what) { text throws(InvalidValue) in
            guard let number = Int(text) else {
                throw InvalidValue("\(what) must be a whole number, not `\(text)`")
            }
            guard range.contains(number) else {
                throw InvalidValue("\(what) must be from \(range.lowerBound) to \(range.upperBound), not \(number)")
            }
            return number
        }
    }

    /// The items of a list, each with its path.
    mutating func list(_ node: Node, at path: KeyPath, what: String, example: String) -> [(node: Node, path: KeyPath)]? {
        guard case .sequence(let sequence) = node else {
            if case .scalar(let scalar) = node, Self.isNull(scalar) {
                report(path, at: Position(node.mark), "is empty; write \(what), e.g. `\(example)`")
            } else {
                report(path, at: Position(node.mark), "\(what) must be a list, e.g. `\(example)`; found \(Self.kind(of: node))")
            }
            return nil
        }
        return sequence.enumerated().map { ($0.element, path.appending(index: $0.offset)) }
    }

    static func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node { return isNull(scalar) }
        return false
    }

    static func kind(of node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull(scalar) { return "nothing" }
            if scalar.style != .plain { return "a string" }
            return Int(scalar.string) != nil || Double(scalar.string) != nil ? "a number" : "`\(scalar.string.prefix(40))`"
        }
    }

    /// Where the `offset`-th scalar of a value sits in the file. Exact for single-line plain and
    /// quoted scalars (escapes aside); the value's own position otherwise.
    static func position(ofOffset offset: Int, in scalar: Node.Scalar, start: Position) -> Position {
        let prefix = scalar.string.unicodeScalars.prefix(offset)
        guard !prefix.contains("\n") else { return start }
        switch scalar.style {
        case .plain: return Position(line: start.line, column: start.column + offset)
        case .singleQuoted, .doubleQuoted: return Position(line: start.line, column: start.column + 1 + offset)
        default: return start
        }
    }
}
