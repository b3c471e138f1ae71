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
        var operations: [Operation] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            guard let item = item as? [String: Any] else { continue }
            for method in ["get", "put", "post", "delete", "patch"] {
                guard let operation = item[method] as? [String: Any] else { continue }
                operations.append(Operation(
                    id: operation["operationId"] as? String ?? "",
                    method: method.uppercased(), path: path,
                    summary: operation["summary"] as? String ?? "",
                    role: operation["x-codeb-role"] as? String,
                    destructive: operation["x-codeb-destructive"] as? Bool ?? false,
                    audit: operation["x-codeb-audit"] as? String
                ))
            }
        }
        return operations
    }()

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
