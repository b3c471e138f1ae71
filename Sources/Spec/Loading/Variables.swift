/// The values `${NAME}` and `${NAME:-default}` expand to in codeb.yaml.
///
/// The client (`codeb apply`, `codeb validate`) builds them from its environment and
/// `--var NAME=value`. Expansion happens inside scalar values after YAML parsing, so a value
/// can never inject YAML structure, and errors point at the `${` that failed.
public struct Variables: Sendable, Hashable {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// `environment` overlaid by `overrides` (the `--var` assignments win).
    public init(environment: [String: String], overrides: [String: String]) {
        values = environment.merging(overrides) { _, override in override }
    }

    /// Parses a `--var NAME=value` argument.
    public static func parseAssignment(_ text: String) throws(InvalidValue) -> (name: String, value: String) {
        guard let equals = text.firstIndex(of: "=") else {
            throw InvalidValue("`\(text)` is not NAME=value")
        }
        let name = String(text[..<equals])
        guard isName(name) else {
            throw InvalidValue("`\(name)` is not a variable name: use letters, digits and `_`, not starting with a digit")
        }
        return (name, String(text[text.index(after: equals)...]))
    }

    static func isName(_ text: String) -> Bool {
        guard let first = text.first, !first.isNumber else { return false }
        return text.allSatisfy(EnvVarName.isAllowed)
    }

    /// A failure to expand, at `offset` Unicode scalars into the text.
    struct Failure: Sendable, Hashable {
        var offset: Int
        var message: String
    }

    /// What expanding one value gave: the text, or every failure in it.
    enum Expansion {
        case expanded(String)
        case failed([Failure])
    }

    /// Expands `text`.
    func expand(_ text: String) -> Expansion {
        guard text.contains("$") else { return .expanded(text) }
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var failures: [Failure] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar == "$", index + 1 < scalars.count else {
                output.append(scalar)
                index += 1
                continue
            }
            let next = scalars[index + 1]
            if next == "$" {
                output.append("$")
                index += 2
                continue
            }
            if next == "_" || (next.isASCII && Character(next).isLetter) {
                let name = String(String.UnicodeScalarView(scalars[(index + 1)...].prefix { EnvVarName.isAllowed(Character($0)) }))
                failures.append(Failure(offset: index, message: "`$\(name)` is not expanded: write `${\(name)}`, or `$$` for a literal `$`"))
                index += 1
                continue
            }
            guard next == "{" else {
                output.append(scalar)
                index += 1
                continue
            }
            guard let close = scalars[(index + 2)...].firstIndex(of: "}") else {
                failures.append(Failure(offset: index, message: "`${` is not closed by `}`; write `$$` for a literal `$`"))
                break
            }
            let body = String(String.UnicodeScalarView(scalars[(index + 2)..<close]))
            let name: String
            let fallback: String?
            if let separator = body.range(of: ":-") {
                name = String(body[..<separator.lowerBound])
                fallback = String(body[separator.upperBound...])
            } else {
                name = body
                fallback = nil
            }
            if !Self.isName(name) {
                failures.append(Failure(offset: index, message: "`${\(body)}` does not name a variable; write `${NAME}` or `${NAME:-default}`"))
            } else if let value = values[name] ?? fallback {
                output.append(contentsOf: value.unicodeScalars)
            } else {
                failures.append(Failure(offset: index, message: "`${\(name)}` is not set: export \(name), pass `--var \(name)=…`, or give a default with `${\(name):-default}`"))
            }
            index = close + 1
        }
        return failures.isEmpty ? .expanded(String(output)) : .failed(failures)
    }
}
