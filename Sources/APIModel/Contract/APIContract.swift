import Foundation
import Yams

/// The API contract (`Contract/openapi.yaml`, OpenAPI 3.0): every operation of the controller with
/// its path, method and the role it needs (`x-codeb-role`). Served at `GET /openapi.json`; the
/// role matrix and the router are checked against it.
public enum APIContract {
    /// One operation as the contract declares it.
    public struct Operation: Sendable, Hashable {
        public var id: String
        public var method: String
        /// With `{name}` placeholders, as the router lists its routes.
        public var path: String
        public var summary: String
        /// The least role that may call it; nil for an open operation.
        public var role: String?
        /// Whether it destroys something (offered to assistants only when the operator says so).
        public var destructive: Bool
        /// The action a mutation's audit entries carry (`secrets.set`); nil for a read.
        public var audit: String?
        /// Its parameters (the path item's and its own), `$ref`s resolved.
        public var parameters: [Parameter] = []
        /// The request body's content types, the first the default (none: no body).
        public var bodyTypes: [String] = []
        /// The most bytes its request body may have (`x-codeb-body-limit`, KiB).
        public var bodyLimit: Int?
        /// The `example` of its JSON body: what an error about an unreadable body shows.
        public var bodyExample: String?
        /// Served by an extension of the API (its tag is `x-codeb-extension`), not by the
        /// contract's generated server.
        public var byExtension = false

        /// `METHOD /path`.
        public var route: String { "\(method) \(path)" }
    }

    /// The contract's text, as shipped in the binary.
    public static var yaml: String { String(decoding: PackageResources.openapi_yaml, as: UTF8.self) }

    /// The contract as JSON (what `/openapi.json` serves).
    public static let json: Data = {
        // The shipped contract is checked by the tests and CI: it always parses.
        let document = try! Yams.load(yaml: yaml) ?? [:]
        return try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
    }()

    /// Every operation, in the contract's order of paths. Read from `json`: the YAML is parsed once.
    public static let operations: [Operation] = {
        guard let document = try? JSONSerialization.jsonObject(with: json) as? [String: Any], let paths = document["paths"] as? [String: Any] else { return [] }
        let extensionTags = Set((document["tags"] as? [[String: Any]] ?? []).filter { $0["x-codeb-extension"] as? Bool == true }.compactMap { $0["name"] as? String })
        var operations: [Operation] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            guard let item = item as? [String: Any] else { continue }
            for method in ["get", "put", "post", "delete", "patch"] {
                guard let operation = item[method] as? [String: Any] else { continue }
                let declared = (item["parameters"] as? [Any] ?? []) + (operation["parameters"] as? [Any] ?? [])
                let content = (resolved(operation["requestBody"], in: document) as? [String: Any])?["content"] as? [String: Any] ?? [:]
                // JSON's key order is lost: the JSON type, when there is one, is the default.
                let bodyTypes = content.keys.sorted { ($0 == "application/json" ? 0 : 1, $0) < ($1 == "application/json" ? 0 : 1, $1) }
                let example = (content["application/json"] as? [String: Any])?["example"]
                operations.append(Operation(
                    id: operation["operationId"] as? String ?? "",
                    method: method.uppercased(), path: path,
                    summary: operation["summary"] as? String ?? "",
                    role: operation["x-codeb-role"] as? String,
                    destructive: operation["x-codeb-destructive"] as? Bool ?? false,
                    audit: operation["x-codeb-audit"] as? String,
                    parameters: declared.compactMap { Parameter(resolved($0, in: document), in: document) },
                    bodyTypes: bodyTypes,
                    bodyLimit: (operation["x-codeb-body-limit"] as? Int).map { $0 * 1024 },
                    bodyExample: example.flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]) }
                        .map { String(decoding: $0, as: UTF8.self) },
                    byExtension: !extensionTags.isDisjoint(with: operation["tags"] as? [String] ?? [])
                ))
            }
        }
        return operations
    }()

    /// `value` with a local `$ref` (`#/components/…`) replaced by what it points at.
    static func resolved(_ value: Any?, in document: [String: Any], depth: Int = 0) -> Any? {
        guard let object = value as? [String: Any], let reference = object["$ref"] as? String, reference.hasPrefix("#/"), depth < 8 else { return value }
        var target: Any? = document
        for part in reference.dropFirst(2).split(separator: "/") { target = (target as? [String: Any])?[String(part)] }
        return resolved(target, in: document, depth: depth + 1)
    }

    /// The operation serving `method` `path` (a route as the router lists it).
    public static func operation(_ method: String, _ path: String) -> Operation? {
        byRoute["\(method.uppercased()) \(path)"]
    }

    /// Looked up on every request: a dictionary, not a walk of the list.
    private static let byRoute: [String: Operation] = Dictionary(operations.map { ($0.route, $0) }, uniquingKeysWith: { first, _ in first })

    /// The values of `path`'s `{name}` placeholders in order, joined by `/` (`shop/production`):
    /// what an audit entry names as its target. `value` reads a placeholder's value; each is cut
    /// to 255 characters (the longest a handler keeps, a registry host): it is the caller's text.
    public static func target(of path: String, _ value: (String) -> String?) -> String {
        let names = path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
        let values = names.compactMap(value).map { String($0.prefix(255)) }
        return values.isEmpty ? "-" : values.joined(separator: "/")
    }
}
