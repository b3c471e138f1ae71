import APIModel
import Foundation
import MCP

/// An MCP tool that is one operation of the API contract, derived from it: the name from the
/// operationId in snake case (or `x-codeb-tool`), the description from the operation's
/// description and role, the input schema from its path and query parameters and its JSON
/// body's properties, read-only from the method, destructive from `x-codeb-destructive`.
/// A call fills the operation's path, query and body from the arguments.
struct OperationTool: Sendable {
    /// One argument and where it goes.
    struct Argument: Sendable {
        enum Place: Sendable { case path, query, body }
        var name: String
        var place: Place
        var required: Bool
        /// The schema, `$ref`s resolved: the tool's input schema for this argument.
        var schema: Value
        /// What the value must be, as a noun phrase (`a registry host, such as …`).
        var what: String?
        /// The schema's `pattern`, compiled once when the tools are derived.
        var pattern: NSRegularExpression?
    }

    let name: String
    /// False for an operation a hand-written tool serves (`x-codeb-tool: false`).
    let offered: Bool
    let operation: APIContract.Operation
    let description: String
    let arguments: [Argument]
    /// Whether the operation takes a JSON body (sent, `{}` at least, even with no argument for it).
    let hasBody: Bool

    var readOnly: Bool { operation.method == "GET" }
    var destructive: Bool { operation.destructive }

    var tool: Tool {
        let properties = Dictionary(arguments.map { ($0.name, $0.schema) }, uniquingKeysWith: { first, _ in first })
        return Tool(
            name: name, description: description,
            inputSchema: .object([
                "type": "object", "properties": .object(properties),
                "required": .array(arguments.filter(\.required).map { .string($0.name) }), "additionalProperties": false,
            ]),
            annotations: .init(readOnlyHint: readOnly, destructiveHint: destructive, openWorldHint: false)
        )
    }

    /// The request for `values`: the path with its placeholders filled (each value checked
    /// against its pattern and percent-encoded, so no value reshapes the URL), the query, and
    /// the JSON body (none with `typedBody`: the caller sends its own). An argument the
    /// operation does not take is not sent anywhere (assistants add some; they were always
    /// ignored). Throws `ToolFailure` saying which argument is wrong.
    func request(_ values: [String: Value], typedBody: Bool = false) throws -> (method: APIMethod, path: String, body: Data?) {
        var path = operation.path
        var query: [String] = []
        var body: [String: Value] = [:]
        for argument in arguments {
            let given = values[argument.name].flatMap { $0.isNull ? nil : $0 }
            switch argument.place {
            case .path:
                guard let text = try (given.map { try Self.text($0, argument) } ?? argument.schema.objectValue?["default"]?.stringValue) else {
                    throw ToolFailure("\(argument.name) is required")
                }
                try argument.check(text)
                path = path.replacingOccurrences(of: "{\(argument.name)}", with: Self.percentEncoded(text))
            case .query:
                guard let given else { continue }
                let text = try Self.text(given, argument)
                try argument.check(text)
                query.append("\(argument.name)=\(Self.percentEncoded(text))")
            case .body:
                if typedBody { continue }
                if let given { body[argument.name] = given } else if argument.required { throw ToolFailure("\(argument.name) is required") }
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = hasBody && !typedBody ? try encoder.encode(Value.object(body)) : nil
        return (APIMethod(rawValue: operation.method) ?? .get, query.isEmpty ? path : "\(path)?\(query.joined(separator: "&"))", json)
    }

    /// A path or query value as text: a string as it is, a whole number or a boolean written out.
    static func text(_ value: Value, _ argument: Argument) throws -> String {
        if let text = value.stringValue { return text }
        if let number = value.intValue { return String(number) }
        if let number = value.doubleValue, number.isFinite, number == number.rounded(), abs(number) < 1e15 { return String(Int(number)) }
        if let flag = value.boolValue { return String(flag) }
        throw ToolFailure("\(argument.name) must be \(argument.schema.objectValue?["type"]?.stringValue ?? "a string")")
    }

    /// Everything but unreserved characters is escaped: `/`, `?`, `#`, `&` and `%` stay inside
    /// their one path segment or query value.
    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~:"))
}

extension OperationTool.Argument {
    /// The contract's pattern and bounds, checked before the value reaches a URL: the answer
    /// names the argument and what it must be.
    func check(_ text: String) throws {
        let schema = schema.objectValue ?? [:]
        let quoted = String(text.prefix(80)).debugDescription
        if let pattern, pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
            throw ToolFailure("\(name) \(quoted) is not \(what ?? "valid (\(pattern.pattern))")")
        }
        if let allowed = schema["enum"]?.arrayValue?.compactMap(\.stringValue), !allowed.isEmpty, !allowed.contains(text) {
            throw ToolFailure("\(name) must be one of \(allowed.joined(separator: ", ")), not \(quoted)")
        }
        if schema["type"]?.stringValue == "integer" {
            guard let number = Int(text) else { throw ToolFailure("\(name) must be a whole number, not \(quoted)") }
            let low = schema["minimum"]?.intValue ?? Int.min, high = schema["maximum"]?.intValue ?? Int.max
            guard (low...high).contains(number) else { throw ToolFailure("\(name) must be from \(low) to \(high), not \(number)") }
        }
    }
}
