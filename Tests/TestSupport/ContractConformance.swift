import APIModel
import Foundation
import MCP

/// Checks a JSON answer against the contract's schema for its operation and status: types,
/// required and declared properties (an answer with a property the contract does not declare
/// fails: the contract drifted from the code), items, enums, `$ref`s — the subset of JSON
/// Schema the contract uses.
public enum ContractConformance {
    public static let document: Value = (try? JSONDecoder().decode(Value.self, from: APIContract.json)) ?? .null

    /// The schema the contract declares for `method route` answering `status` as JSON; nil when
    /// it declares none (a text answer, or a status it does not list).
    public static func schema(_ method: String, _ route: String, status: Int) -> Value? {
        let operation = document.objectValue?["paths"]?.objectValue?[route]?.objectValue?[method.lowercased()]
        guard let response = operation?.objectValue?["responses"]?.objectValue?[String(status)] else { return nil }
        return resolve(response).objectValue?["content"]?.objectValue?["application/json"]?.objectValue?["schema"]
    }

    public static func resolve(_ value: Value) -> Value {
        guard let reference = value.objectValue?["$ref"]?.stringValue, reference.hasPrefix("#/") else { return value }
        var target: Value? = document
        for part in reference.dropFirst(2).split(separator: "/") { target = target?.objectValue?[String(part)] }
        return resolve(target ?? .object([:]))
    }

    /// Every way `value` departs from `schema`, each with its JSON path.
    public static func problems(_ value: Value, _ schema: Value, at path: String = "$") -> [String] {
        guard let schema = resolve(schema).objectValue else { return [] }
        if let members = schema["allOf"]?.arrayValue { return members.flatMap { problems(value, $0, at: path) } }
        if value.isNull { return schema["nullable"]?.boolValue == true ? [] : ["\(path): null, not declared nullable"] }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) { return ["\(path): \(value) is not one of \(allowed)"] }
        switch schema["type"]?.stringValue {
        case "object"?:
            guard let object = value.objectValue else { return ["\(path): not an object"] }
            let properties = schema["properties"]?.objectValue
            var found = (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue).filter { object[$0] == nil }.map { "\(path): \($0) is required" }
            for (name, member) in object.sorted(by: { $0.key < $1.key }) {
                if let declared = properties?[name] {
                    found += problems(member, declared, at: "\(path).\(name)")
                } else if let additional = schema["additionalProperties"], additional.boolValue == nil {
                    found += problems(member, additional, at: "\(path).\(name)")
                } else if properties != nil {
                    found.append("\(path).\(name) is not declared")
                }
            }
            return found
        case "array"?:
            guard let items = value.arrayValue else { return ["\(path): not an array"] }
            return items.enumerated().flatMap { problems($1, schema["items"] ?? .object([:]), at: "\(path)[\($0)]") }
        case "string"?:
            guard let text = value.stringValue else { return ["\(path): not a string"] }
            if schema["format"]?.stringValue == "date-time", ISO8601DateFormatter().date(from: text) == nil { return ["\(path): \(text) is not a date-time"] }
            return []
        case "integer"?:
            return value.intValue != nil ? [] : ["\(path): not an integer"]
        case "boolean"?:
            return value.boolValue != nil ? [] : ["\(path): not a boolean"]
        default:
            return []
        }
    }
}
