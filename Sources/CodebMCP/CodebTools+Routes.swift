import APIModel

/// One API route, as the controller's router declares it (`{name}` for a parameter).
public struct ToolRoute: Sendable, Hashable, CustomStringConvertible {
    public let method: APIMethod
    public let path: String

    public init(_ method: APIMethod, _ path: String) {
        self.method = method
        self.path = path
    }

    public var description: String { "\(method.rawValue) \(path)" }
}

extension CodebTools {
    /// The API routes each tool calls. A test walks the controller's router and fails on a
    /// route no tool reaches (MCP parity), and checks a tool is read-only exactly when it
    /// only reads.
    public static let routes: [String: [ToolRoute]] = [
        "validate": [],
        "plan": [.init(.post, "/v1/apply")],
        "apply": [.init(.post, "/v1/apply")],
        "rollout_status": [.init(.get, "/v1/projects/{project}")],
        "project_status": [.init(.get, "/v1/projects/{project}")],
        "list_projects": [.init(.get, "/v1/projects")],
        "promote": [.init(.post, "/v1/projects/{project}/environments/{environment}/promote")],
        "rollback": [.init(.post, "/v1/projects/{project}/environments/{environment}/rollback")],
        "history": [.init(.get, "/v1/projects/{project}/environments/{environment}/history")],
        "logs": [.init(.get, "/v1/projects/{project}/environments/{environment}/logs")],
        "recent_events": [.init(.get, "/v1/events")],
        "secrets_list": [.init(.get, "/v1/projects/{project}/secrets")],
        "secrets_set": [.init(.put, "/v1/projects/{project}/secrets")],
        "secrets_unset": [.init(.post, "/v1/projects/{project}/secrets/unset")],
        "secrets_history": [.init(.get, "/v1/projects/{project}/secrets/history")],
        "rotate_secret_key": [.init(.post, "/v1/secrets/rotate-key")],
        "registry_list": [.init(.get, "/v1/registries")],
        "registry_login": [.init(.put, "/v1/registries/{host}")],
        "registry_logout": [.init(.delete, "/v1/registries/{host}")],
        "audit_log": [.init(.get, "/v1/audit")],
        "teams_list": [.init(.get, "/v1/teams")],
        "team_create": [.init(.post, "/v1/teams")],
        "team_domains": [.init(.put, "/v1/teams/{team}/domains")],
        "team_delete": [.init(.delete, "/v1/teams/{team}")],
        "cleanup": [.init(.post, "/v1/projects/{project}/cleanup")],
        "delete": [.init(.delete, "/v1/projects/{project}/environments/{environment}")],
        "list_keys": [.init(.get, "/v1/keys")],
        "create_key": [.init(.post, "/v1/keys")],
        "revoke_key": [.init(.delete, "/v1/keys/{id}")],
    ]
}
