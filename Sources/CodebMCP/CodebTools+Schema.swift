import MCP

/// JSON Schema pieces for the tools' inputs, and the typed reading of their arguments.
extension CodebTools {
    func tool(_ name: String, _ description: String, _ properties: [String: Value], required: [String] = [],
              readOnly: Bool = false, destructive: Bool = false) -> Tool {
        Tool(
            name: name, description: description,
            inputSchema: .object([
                "type": "object", "properties": .object(properties),
                "required": .array(required.map { .string($0) }), "additionalProperties": false,
            ]),
            annotations: .init(readOnlyHint: readOnly, destructiveHint: destructive, openWorldHint: false)
        )
    }

    func string(_ description: String) -> Value { .object(["type": "string", "description": .string(description)]) }

    var variables: Value {
        .object(["type": "object", "additionalProperties": .object(["type": "string"]),
                 "description": "Values for ${NAME} in the file, e.g. {\"GIT_SHA\": \"4f2a…\"}."])
    }

    var projectArgument: Value { .object(["type": "string", "description": "The project, as in the file's `project:`."]) }

    var environmentArgument: Value {
        .object(["type": "string", "description": "production (default), staging, or a preview instance such as preview-pr-42."])
    }

    var environmentList: Value {
        .object(["type": "array", "items": .object(["type": "string"]), "description": "Only these environments (default: all in the file)."])
    }
}

/// A tool call's arguments, read with errors an assistant can act on.
struct Arguments {
    let values: [String: Value]

    func string(_ key: String) throws -> String? {
        guard let value = values[key], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw ToolFailure("\(key) must be a string") }
        return text
    }

    func required(_ key: String) throws -> String {
        guard let text = try string(key) else { throw ToolFailure("\(key) is required") }
        return text
    }

    /// A project or environment name, checked before it reaches a URL path.
    func name(_ key: String, default fallback: String? = nil) throws -> String {
        guard let value = try string(key) ?? fallback else { throw ToolFailure("\(key) is required") }
        return try CodebTools.checkedName(value, key)
    }

    /// A whole number; a fractional, huge or non-finite one (JSON has them all) is clamped or
    /// ignored here, never converted with a trap.
    func int(_ key: String) -> Int? {
        if let value = values[key]?.intValue { return value }
        guard let value = values[key]?.doubleValue, value.isFinite else { return nil }
        return Int(min(max(value, -1e9), 1e9))
    }

    func strings(_ key: String) -> [String]? {
        if let one = values[key]?.stringValue { return [one] }
        return values[key]?.arrayValue?.compactMap(\.stringValue)
    }

    func variables() throws -> [String: String] {
        try stringObject("vars")
    }

    /// An object of strings (`vars`, a secrets tool's `values`); empty when absent.
    func stringObject(_ key: String) throws -> [String: String] {
        guard let value = values[key], !value.isNull else { return [:] }
        guard let object = value.objectValue else { throw ToolFailure("\(key) must be an object of strings") }
        return try object.mapValues { value in
            guard let text = value.stringValue else { throw ToolFailure("every value in \(key) must be a string") }
            return text
        }
    }
}
