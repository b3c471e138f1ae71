import APIModel
import Foundation
import MCP

extension OperationTool {
    /// Every tool the contract's operations make, in the contract's order of paths: each
    /// operation with a role but `/mcp` itself and those marked `x-codeb-tool: false`.
    static let all: [OperationTool] = every.filter(\.offered)

    /// The offered tools by name (a call looks its tool up here).
    static let named: [String: OperationTool] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    /// The operation `id` as a tool would call it: also those served by a hand-written tool.
    static func operation(_ id: String) -> OperationTool? { every.first { $0.operation.id == id } }

    /// Every operation a key may call, offered as a tool or not.
    private static let every: [OperationTool] = {
        // The shipped contract parses (its tests and CI check it); an unreadable one offers no tool.
        guard let document = try? JSONDecoder().decode(Value.self, from: APIContract.json) else { return [] }
        let paths = document.objectValue?["paths"]?.objectValue ?? [:]
        return APIContract.operations.compactMap { operation in
            guard operation.role != nil, operation.path != "/mcp",
                  let item = paths[operation.path]?.objectValue, let declared = item[operation.method.lowercased()]?.objectValue
            else { return nil }
            let name = declared["x-codeb-tool"]?.stringValue ?? snakeCase(operation.id)
            let offered = declared["x-codeb-tool"] != .bool(false)
            return OperationTool(operation: operation, name: name, offered: offered, declared: declared, item: item, document: document)
        }
    }()

    init(operation: APIContract.Operation, name: String, offered: Bool, declared: [String: Value], item: [String: Value], document: Value) {
        var arguments: [Argument] = []
        let parameters = (item["parameters"]?.arrayValue ?? []) + (declared["parameters"]?.arrayValue ?? [])
        for parameter in parameters.map({ Self.resolved($0, in: document).objectValue ?? [:] }) {
            guard let parameterName = parameter["name"]?.stringValue, parameter["x-codeb-stream"]?.boolValue != true else { continue }
            let place: Argument.Place
            switch parameter["in"]?.stringValue {
            case "path": place = .path
            case "query": place = .query
            default: continue
            }
            var schema = parameter["schema"]?.objectValue ?? ["type": "string"]
            let what = parameter["description"]?.stringValue
            if let what { schema["description"] = .string(Self.sentence(what)) }
            // A path parameter with a client default (`x-codeb-default`: the environment) may be
            // left out — but never for a destructive operation: a forgotten argument must not
            // delete production.
            let defaulted = parameter["x-codeb-default"] != nil && !operation.destructive
            schema["default"] = defaulted ? parameter["x-codeb-default"] : nil
            let required = place == .path ? !defaulted : parameter["required"]?.boolValue == true
            let pattern = schema["pattern"]?.stringValue.flatMap { try? NSRegularExpression(pattern: $0) }
            arguments.append(Argument(name: parameterName, place: place, required: required, schema: .object(schema), what: what, pattern: pattern))
        }
        let json = declared["requestBody"].map { Self.resolved($0, in: document) }?.objectValue?["content"]?.objectValue?["application/json"]?.objectValue
        let body = json?["schema"]?.objectValue ?? [:]
        let required = Set(body["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        for (property, schema) in (body["properties"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            arguments.append(Argument(name: property, place: .body, required: required.contains(property), schema: schema, what: schema.objectValue?["description"]?.stringValue))
        }
        var text = declared["description"]?.stringValue ?? operation.summary
        if let role = operation.role { text += " Needs a\(role.first.map { "aeiou".contains($0) } == true ? "n" : "") \(role) key." }
        self.init(name: name, offered: offered, operation: operation, description: text, arguments: arguments, hasBody: json != nil)
    }

    /// `secretsSet` → `secrets_set`.
    static func snakeCase(_ id: String) -> String {
        id.reduce(into: "") { name, character in
            if character.isUppercase { name += "_" + character.lowercased() } else { name.append(character) }
        }
    }

    /// A description that reads as a sentence in a schema: `a team name` → `A team name.`
    static func sentence(_ text: String) -> String {
        let capitalized = text.prefix(1).uppercased() + text.dropFirst()
        return capitalized.hasSuffix(".") ? capitalized : capitalized + "."
    }

    /// `value` with every `$ref` replaced by what it names and a single-member `allOf` merged
    /// into its parent: an MCP client gets a self-contained schema.
    static func resolved(_ value: Value, in document: Value, depth: Int = 0) -> Value {
        guard depth < 16 else { return value }
        switch value {
        case .object(var object):
            if let reference = object["$ref"]?.stringValue, reference.hasPrefix("#/") {
                object["$ref"] = nil
                var target: Value? = document
                for part in reference.dropFirst(2).split(separator: "/") { target = target?.objectValue?[String(part)] }
                let base = resolved(target ?? .object([:]), in: document, depth: depth + 1).objectValue ?? [:]
                return resolved(.object(base.merging(object) { _, own in own }), in: document, depth: depth + 1)
            }
            if let members = object["allOf"]?.arrayValue, members.count == 1, let member = resolved(members[0], in: document, depth: depth + 1).objectValue {
                object["allOf"] = nil
                object = member.merging(object) { _, own in own }
            }
            return .object(object.mapValues { resolved($0, in: document, depth: depth + 1) })
        case .array(let items):
            return .array(items.map { resolved($0, in: document, depth: depth + 1) })
        default:
            return value
        }
    }
}
