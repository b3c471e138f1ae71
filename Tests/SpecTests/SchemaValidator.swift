import Foundation

/// A JSON Schema (draft-07) validator for the keywords `schema/codeb.schema.json` uses — enough
/// to prove the schema accepts and refuses what it should, without a dependency. Values are what
/// Yams' `load` or `JSONSerialization` produce.
struct SchemaValidator {
    let root: [String: Any]

    /// The problems of `value` against the root schema, as `path: message`.
    func problems(_ value: Any?) -> [String] {
        var found: [String] = []
        check(value, against: root, at: "$", into: &found)
        return found
    }

    private func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let ref = schema["$ref"] as? String, ref.hasPrefix("#/") else { return schema }
        var node: Any = root
        for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] as Any }
        return node as? [String: Any] ?? [:]
    }

    static func typeName(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return "null"
        case is Bool: return "boolean"
        case is Int: return "integer"
        case let number as Double: return number.rounded() == number ? "integer" : "number"
        case is String: return "string"
        case is [Any]: return "array"
        case is [String: Any]: return "object"
        default: return "unknown"
        }
    }

    private func check(_ value: Any?, against raw: [String: Any], at path: String, into found: inout [String]) {
        let schema = resolve(raw)
        let type = Self.typeName(value)
        if let allowed = schema["type"] {
            let names = (allowed as? [String]) ?? [allowed as? String ?? ""]
            guard names.contains(type) || (type == "integer" && names.contains("number")) else {
                found.append("\(path): is \(type), expected \(names.joined(separator: " or "))")
                return
            }
        }
        if let options = schema["enum"] as? [String], !options.contains(value as? String ?? "\u{0}") {
            found.append("\(path): must be one of \(options)")
        }
        if let string = value as? String {
            if let pattern = schema["pattern"] as? String, string.range(of: pattern, options: .regularExpression) == nil {
                found.append("\(path): `\(string)` does not match \(pattern)")
            }
            if let minimum = schema["minLength"] as? Int, string.count < minimum { found.append("\(path): shorter than \(minimum)") }
            if let maximum = schema["maxLength"] as? Int, string.count > maximum { found.append("\(path): longer than \(maximum)") }
        }
        if type == "integer" || type == "number", let number = (value as? Double) ?? (value as? Int).map(Double.init) {
            if let minimum = schema["minimum"] as? Double, number < minimum { found.append("\(path): below \(minimum)") }
            if let maximum = schema["maximum"] as? Double, number > maximum { found.append("\(path): above \(maximum)") }
            if let minimum = schema["exclusiveMinimum"] as? Double, number <= minimum { found.append("\(path): not above \(minimum)") }
        }
        if let array = value as? [Any] {
            if let minimum = schema["minItems"] as? Int, array.count < minimum { found.append("\(path): fewer than \(minimum) items") }
            if let maximum = schema["maxItems"] as? Int, array.count > maximum { found.append("\(path): more than \(maximum) items") }
            if schema["uniqueItems"] as? Bool == true, Set(array.map { "\($0)" }).count != array.count { found.append("\(path): items repeat") }
            if let items = schema["items"] as? [String: Any] {
                for (index, item) in array.enumerated() { check(item, against: items, at: "\(path)[\(index)]", into: &found) }
            }
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for name in schema["required"] as? [String] ?? [] where object[name] == nil {
                found.append("\(path): `\(name)` is required")
            }
            if let minimum = schema["minProperties"] as? Int, object.count < minimum { found.append("\(path): fewer than \(minimum) keys") }
            for (name, member) in object.sorted(by: { $0.key < $1.key }) {
                if let names = schema["propertyNames"] as? [String: Any] { check(name, against: names, at: "\(path) key", into: &found) }
                if let property = properties[name] as? [String: Any] {
                    check(member, against: property, at: "\(path).\(name)", into: &found)
                } else if let additional = schema["additionalProperties"] {
                    if additional as? Bool == false {
                        found.append("\(path): unknown key `\(name)`")
                    } else if let additional = additional as? [String: Any] {
                        check(member, against: additional, at: "\(path).\(name)", into: &found)
                    }
                }
            }
        }
    }
}
